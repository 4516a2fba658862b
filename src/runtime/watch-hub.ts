/**
 * Live fan-out of committed merchant events to watchers. Events are published
 * only after their batch is durable, in sequence order per merchant.
 */
import type { MerchantEvent } from '../domain/types';

export type Listener = (events: MerchantEvent[]) => void;

export class WatchHub {
  private readonly subs = new Map<string, Set<Listener>>();
  private count = 0;

  subscribe(merchantId: string, listener: Listener): () => void {
    let set = this.subs.get(merchantId);
    if (!set) this.subs.set(merchantId, (set = new Set()));
    set.add(listener);
    this.count++;
    return () => {
      if (set!.delete(listener)) this.count--;
      if (set!.size === 0) this.subs.delete(merchantId);
    };
  }

  watchers(merchantId?: string): number {
    return merchantId === undefined ? this.count : (this.subs.get(merchantId)?.size ?? 0);
  }

  publish(merchantId: string, events: MerchantEvent[]): void {
    const set = this.subs.get(merchantId);
    if (!set) return;
    for (const l of [...set]) l(events);
  }
}
