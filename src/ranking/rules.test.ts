import { describe, expect, it } from 'vitest';
import type { CatalogItem } from '../pipeline/catalog.ts';
import type { PipelineItem } from '../pipeline/stage.ts';
import { applyRules, DEFAULT_RULES, similarity, type BusinessRules } from './rules.ts';

const attrs: Record<string, CatalogItem> = {
  a: { name: 'A', city: 'paris', country: 'FR', kind: 'hotel', price: 120, stars: 4, reviewScore: 8, chain: 'acme' },
  b: { name: 'B', city: 'paris', country: 'FR', kind: 'hotel', price: 130, stars: 4, reviewScore: 8, chain: 'acme' },
  c: { name: 'C', city: 'paris', country: 'FR', kind: 'hotel', price: 110, stars: 4, reviewScore: 8, chain: 'acme' },
  d: { name: 'D', city: 'lyon', country: 'FR', kind: 'hotel', price: 60, stars: 3, reviewScore: 7, chain: null },
  e: { name: 'E', city: 'nice', country: 'FR', kind: 'hotel', price: 450, stars: 5, reviewScore: 9, chain: 'lux' },
};
const lookup = (id: string): CatalogItem | undefined => attrs[id];
const list = (): PipelineItem[] => ['a', 'b', 'c', 'd', 'e'].map((itemId, i) => ({ itemId, source: 'x', score: 0, sourceScores: {}, reasons: [], finalScore: 10 - i, stage: 'rerank' }));
const ids = (xs: readonly PipelineItem[]): string[] => xs.map((x) => x.itemId);
const rules = (r: Partial<BusinessRules>): BusinessRules => ({ ...DEFAULT_RULES, ...r });

describe('business rules and diversity', () => {
  it('keeps the relevance order with no rules', () => {
    expect(ids(applyRules(list(), 5, DEFAULT_RULES, lookup))).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('pins, boosts and buries, and says which items a rule moved', () => {
    const out = applyRules(list(), 5, rules({ pins: [{ itemId: 'e', position: 1 }], buries: [{ itemIds: ['a'] }], boosts: [{ match: { city: 'lyon' }, by: 1 }] }), lookup);
    expect(ids(out)).toEqual(['e', 'd', 'b', 'c', 'a']);
    expect(out[0]!.reasons).toContainEqual({ kind: 'rule', rule: 'featured' });
    expect(out[1]!.reasons).toContainEqual({ kind: 'rule', rule: 'featured' });
  });

  it('caps items per city and per chain within the first k places', () => {
    expect(ids(applyRules(list(), 3, rules({ maxPerDestination: 1 }), lookup)).slice(0, 3)).toEqual(['a', 'd', 'e']);
    expect(ids(applyRules(list(), 4, rules({ maxPerChain: 2 }), lookup)).slice(0, 4)).toEqual(['a', 'b', 'd', 'e']);
  });

  it('diversifies with MMR: a lower lambda brings other cities, chains, stars and price bands up', () => {
    expect(similarity(attrs['a'], attrs['b'])).toBeCloseTo(1);
    expect(similarity(attrs['a'], attrs['d'])).toBe(0);
    // The price band counts with the same stars only: a 2-star at a 4-star's price does not look alike.
    expect(similarity(attrs['a'], { ...attrs['b']!, chain: null })).toBeCloseTo(0.7);
    expect(similarity(attrs['a'], { ...attrs['b']!, chain: null, stars: 2 })).toBeCloseTo(0.5);
    const diverse = ids(applyRules(list(), 5, rules({ diversityLambda: 0.5 }), lookup));
    expect(diverse[0]).toBe('a');
    expect(diverse.indexOf('d')).toBeLessThan(diverse.indexOf('b'));
    expect(ids(applyRules(list(), 5, rules({ diversityLambda: 0.99 }), lookup))).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('weighs ranked items by their click probability: near ties give way to variety, clear winners keep their place', () => {
    // Log-odds as the rankers give them: a and b are near-certain, the rest close to each other.
    const ranked = (scores: number[]): PipelineItem[] => list().map((it, i) => ({ ...it, finalScore: scores[i]!, rankScore: scores[i]! }));
    const close = ids(applyRules(ranked([0.1, 0.05, 0.02, 0, -0.02]), 3, rules({ diversityLambda: 0.8 }), lookup));
    expect(close.slice(0, 3)).toEqual(['a', 'd', 'e']); // b and c (same city, chain, band as a) lose ≈ 1 % of probability
    const clear = ids(applyRules(ranked([6, 5, -3, -3.1, -3.2]), 3, rules({ diversityLambda: 0.8 }), lookup));
    expect(clear.slice(0, 2)).toEqual(['a', 'b']); // 99 % vs 4 %: similarity does not outweigh that
  });
});
