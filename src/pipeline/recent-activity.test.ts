import { describe, expect, it } from 'vitest';
import { RecentActivity } from './recent-activity.ts';
import type { Interaction } from '../domain/types.ts';

const ev = (itemId: string, type: Interaction['type'], ts: number): Interaction =>
  ({ eventId: `${itemId}${ts}`, userId: 'u', itemId, type, ts, value: null, sessionId: null, context: {} });

describe('RecentActivity', () => {
  it('keeps interest events newest first, bounded, and weights them', () => {
    const r = new RecentActivity(3, 0.5);
    expect(r.add(ev('a', 'impression', 1))).toBe(false);
    r.add(ev('a', 'click', 1));
    r.add(ev('b', 'booking', 3));
    r.add(ev('c', 'click', 2));
    expect(r.items('u').map((x) => x.itemId)).toEqual(['b', 'c', 'a']);
    r.add(ev('a', 'click', 4));
    expect(r.items('u').map((x) => x.itemId)).toEqual(['a', 'b', 'c']);
    expect(r.weighted('u')).toEqual([{ itemId: 'a', weight: 1 }, { itemId: 'b', weight: 1.5 }, { itemId: 'c', weight: 0.25 }]);
    expect(r.has('u')).toBe(true);
    expect(r.weighted('nobody')).toEqual([]);
  });
});
