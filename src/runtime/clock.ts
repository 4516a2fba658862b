/**
 * Time is injected: the server runs on SystemClock; tests drive a ManualClock
 * and never sleep for deadlines.
 */

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  /** Calls fn once `now() >= at`. */
  at(at: number, fn: () => void): TimerHandle;
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  at(at: number, fn: () => void): TimerHandle {
    // setTimeout's delay is an int32: re-arm for far deadlines.
    let t: NodeJS.Timeout;
    const arm = () => {
      const delay = at - Date.now();
      if (delay <= 0) return void setImmediate(fn);
      t = setTimeout(arm, Math.min(delay, 2 ** 31 - 1));
      t.unref();
    };
    arm();
    return { cancel: () => clearTimeout(t) };
  }
}

export class ManualClock implements Clock {
  private timers: { at: number; fn: () => void; live: boolean }[] = [];

  constructor(private t = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.t;
  }

  at(at: number, fn: () => void): TimerHandle {
    const timer = { at, fn, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }

  /** Moves time forward and fires the timers that came due, in time order. */
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.live && x.at <= this.t).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((x) => x.live && x.at > this.t);
    for (const x of due) x.fn();
  }
}
