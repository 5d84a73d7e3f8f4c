/**
 * @module adapters/memory/memory-online-features.test
 * Memory-specific behaviour (the shared semantics are in test/contract/online-features.contract.ts):
 * expired markers and long-dead rows are swept, so memory stays bounded.
 */
import { describe, expect, it } from 'vitest';
import { MemoryOnlineFeatures } from './memory-online-features.ts';
import { itemKey } from '../../features/entity-key.ts';

describe('MemoryOnlineFeatures', () => {
  it('sweeps expired event markers and long-expired rows', async () => {
    let now = 1_000_000;
    const store = new MemoryOnlineFeatures({ clock: () => now, eventDedupTtlMs: 1000 });
    const commit = (i: number) => store.commit([{ partition: itemKey(`i${i}`), eventIds: [`e${i}`], rows: [{ key: itemKey(`i${i}`), view: 'v', eventTs: now, ttlMs: 10, values: { i }, expectVersion: 0 }] }]);
    for (let i = 0; i < 5000; i++) await commit(i);
    expect(store.size).toEqual({ rows: 5000, markers: 5000 });
    now += 2000;
    for (let i = 5000; i < 10_000; i++) await commit(i);
    expect(store.size.markers).toBeLessThanOrEqual(5000);
    expect(store.size.rows).toBeLessThanOrEqual(5000);
    expect((await store.read([{ view: 'v', keys: [itemKey('i9999')] }]))[0]?.[0]).toBeDefined();
  });
});
