import { describe, expect, it } from 'vitest';
import type { Item } from '../domain/types.ts';
import { generateMarketplace } from '../data/synthetic/index.ts';
import { UtilityOracle } from './oracle.ts';

const market = generateMarketplace({ users: 30, items: 120, events: 0, seed: 3 });
const items: Item[] = [];
for (const b of market.batches) items.push(...b.items);

describe('UtilityOracle', () => {
  const oracle = new UtilityOracle(market.truth, items);
  const hotels = items.filter((i) => i.kind === 'hotel' && i.status === 'active');
  const byUtility = (user: number, pool: readonly Item[]): string[] =>
    [...pool].sort((a, b) => market.truth.utility(user, market.truth.itemIndex(b.id)) - market.truth.utility(user, market.truth.itemIndex(a.id))).map((i) => i.id);

  it('ranks every active hotel by the hidden utility, minus exclusions and filtered items', () => {
    expect(oracle.size).toBe(hotels.length);
    const exclude = new Set([byUtility(4, hotels)[0] as string]);
    const blocked = byUtility(4, hotels)[1] as string;
    const got = oracle.rank({ userId: 'u4', k: 10, exclude, allowed: (id) => id !== blocked });
    expect(got).toEqual(byUtility(4, hotels).filter((id) => !exclude.has(id) && id !== blocked).slice(0, 10));
    expect(got?.some((id) => id.startsWith('c'))).toBe(false);
  });

  it('restricts to the destination and knows only the generator\'s users', () => {
    const city = hotels[0]?.city as string;
    const got = oracle.rank({ userId: 'u1', k: 500, destination: city, exclude: new Set(), allowed: () => true });
    expect(got).toEqual(byUtility(1, hotels.filter((h) => h.city === city)));
    expect(oracle.rank({ userId: 'someone', k: 5, exclude: new Set(), allowed: () => true })).toBeUndefined();
  });
});
