/**
 * @module pipeline/recent-activity
 * Each user's most recent interest events (clicks, bookings, ratings), newest first, kept in memory
 * and updated by every event so that the next request sees it. Feeds co-visitation queries.
 */
import type { EventType, Interaction, ItemId, UserId } from '../domain/types.ts';

/** Interest weight of an event type for co-visitation queries; impressions and searches are not interest. */
const TYPE_WEIGHT: Partial<Record<EventType, number>> = { click: 1, booking: 3, rating: 1.5 };

export class RecentActivity {
  private readonly byUser = new Map<UserId, Interaction[]>();

  /** `perUser`: events kept per user; `decay`: weight multiplier per step back in time. */
  constructor(private readonly perUser = 20, private readonly decay = 0.85) {}

  /** Record an event; returns false when its type carries no interest (search, impression). */
  add(e: Interaction): boolean {
    if (TYPE_WEIGHT[e.type] === undefined) return false;
    let list = this.byUser.get(e.userId);
    if (list === undefined) this.byUser.set(e.userId, (list = []));
    // Keep newest first; events usually arrive in order, so this is an insert at 0.
    let at = 0;
    while (at < list.length && (list[at] as Interaction).ts > e.ts) at++;
    list.splice(at, 0, e);
    if (list.length > this.perUser) list.length = this.perUser;
    return true;
  }

  /** The user's recent interest events, newest first. */
  items(userId: UserId): readonly Interaction[] {
    return this.byUser.get(userId) ?? [];
  }

  /** Weighted recent items for co-visitation: type weight × decay^position, summed per item. */
  weighted(userId: UserId, limit = 10): { itemId: ItemId; weight: number }[] {
    const acc = new Map<ItemId, number>();
    const list = this.items(userId);
    for (let i = 0; i < list.length; i++) {
      const r = list[i] as Interaction;
      acc.set(r.itemId, (acc.get(r.itemId) ?? 0) + (TYPE_WEIGHT[r.type] ?? 0) * this.decay ** i);
    }
    return [...acc].map(([itemId, weight]) => ({ itemId, weight })).slice(0, limit);
  }

  has(userId: UserId): boolean {
    return this.byUser.has(userId);
  }

  get size(): number {
    return this.byUser.size;
  }
}
