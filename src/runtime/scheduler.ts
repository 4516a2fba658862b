/**
 * Deadlines of financings waiting for a code or a disbursement. One pending
 * deadline per merchant, mirrored in the store's `t` keys (written in the
 * same batch as the command that set it), so deadlines survive restarts and
 * fire for passivated merchants too.
 */
import type { Clock, TimerHandle } from './clock';

export class Scheduler {
  private readonly pending = new Map<string, { deadline: number; financingId: string }>();
  private timer: TimerHandle | undefined;
  private armedAt = 0;
  private stopped = false;

  constructor(private readonly clock: Clock, private readonly fire: (merchantId: string, financingId: string) => void) {}

  set(merchantId: string, deadline: number, financingId: string): void {
    if (deadline > 0) this.pending.set(merchantId, { deadline, financingId });
    else this.pending.delete(merchantId);
    this.rearm();
  }

  get size(): number {
    return this.pending.size;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private rearm(): void {
    if (this.stopped) return;
    let next = 0;
    for (const p of this.pending.values()) if (next === 0 || p.deadline < next) next = p.deadline;
    if (next === this.armedAt && this.timer) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.armedAt = next;
    if (next === 0) return;
    this.timer = this.clock.at(next, () => this.onTimer());
  }

  private onTimer(): void {
    this.timer = undefined;
    this.armedAt = 0;
    const now = this.clock.now();
    for (const [merchantId, p] of [...this.pending]) {
      if (p.deadline <= now) {
        this.pending.delete(merchantId);
        this.fire(merchantId, p.financingId);
      }
    }
    this.rearm();
  }
}
