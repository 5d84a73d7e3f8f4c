/**
 * @module features/streaming.test
 * Partition planning and the bounded in-memory set of applied events.
 */
import { describe, expect, it } from 'vitest';
import type { Interaction } from '../domain/types.ts';
import { planUnits, RecentEventIds } from './streaming.ts';
import { defaultFeatureDefinitions } from './defaults.ts';

const ev = (id: string, userId: string, itemId: string, ts: number): Interaction => ({
  eventId: id, userId, itemId, type: 'click', value: null, ts, sessionId: null, context: {},
});

describe('planUnits', () => {
  it('puts a user with their user×item rows in one partition and each item in its own', () => {
    const units = planUnits(defaultFeatureDefinitions(), [ev('1', 'u1', 'h1', 20), ev('2', 'u1', 'h2', 10), ev('3', 'u2', 'h1', 5)]);
    const byPartition = Object.fromEntries(units.map((u) => [u.partition, u]));
    expect(Object.keys(byPartition).sort()).toEqual(['item=h1', 'item=h2', 'user=u1', 'user=u2']);
    const u1 = byPartition['user=u1']!;
    expect(u1.eventIds.sort()).toEqual(['1', '2']);
    expect(u1.rows.map((r) => `${r.view.name} ${r.key}`)).toEqual([
      'user_activity user=u1', 'user_taste user=u1', 'user_item_last user=u1|item=h1', 'user_item_last user=u1|item=h2',
    ]);
    expect(u1.rows[0]!.events.map((e) => e.ts)).toEqual([10, 20]);
    expect(byPartition['item=h1']!.rows.map((r) => r.events.map((e) => e.eventId))).toEqual([['3', '1']]);
  });
});

describe('RecentEventIds', () => {
  it('forgets the oldest ids beyond its capacity', () => {
    const r = new RecentEventIds(3);
    for (const id of ['a', 'b', 'c', 'a', 'd']) r.add(id);
    expect(['a', 'b', 'c', 'd'].map((id) => r.has(id))).toEqual([false, true, true, true]);
    expect(r.size).toBe(3);
  });
});
