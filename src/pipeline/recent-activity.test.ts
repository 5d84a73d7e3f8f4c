import { describe, expect, it } from 'vitest';
import { RecentActivity } from './recent-activity.ts';

describe('RecentActivity', () => {
  it('keeps interest events newest first, bounded, and weights them', () => {
    const r = new RecentActivity(3, 0.5);
    expect(r.add({ userId: 'u', itemId: 'a', type: 'impression', ts: 1 })).toBe(false);
    r.add({ userId: 'u', itemId: 'a', type: 'click', ts: 1 });
    r.add({ userId: 'u', itemId: 'b', type: 'booking', ts: 3 });
    r.add({ userId: 'u', itemId: 'c', type: 'click', ts: 2 });
    expect(r.items('u').map((x) => x.itemId)).toEqual(['b', 'c', 'a']);
    r.add({ userId: 'u', itemId: 'a', type: 'click', ts: 4 });
    expect(r.items('u').map((x) => x.itemId)).toEqual(['a', 'b', 'c']);
    expect(r.weighted('u')).toEqual([{ itemId: 'a', weight: 1 }, { itemId: 'b', weight: 1.5 }, { itemId: 'c', weight: 0.25 }]);
    expect(r.has('u')).toBe(true);
    expect(r.weighted('nobody')).toEqual([]);
  });
});
