import { describe, expect, it } from 'vitest';
import type { Interaction } from '../domain/types.ts';
import {
  MetricsAccumulator, StageLiftAccumulator, averagePrecisionAtK, contextFreeGains, gainNdcgAtK, listNdcgAtK, gradedNdcgAtK, signTestP, intraListDiversity, catalogCoverage, hashUnit, hitRateAtK, ndcgAtK, precisionAtK,
  randomSplit, rankingMetrics, recallAtK, timeSplit,
} from './metrics.ts';

const L2_3 = Math.log2(3); // discount of rank 2
function close(a: number, b: number): void {
  expect(a).toBeCloseTo(b, 12);
}
let seq = 0;
function ev(userId: string, itemId: string, type: Interaction['type'], ts: number, value: number | null = null): Interaction {
  return { eventId: `e${seq++}`, userId, itemId, type, value, ts, sessionId: null, context: {} };
}

describe('ranking metrics (hand-computed)', () => {
  const rec = ['a', 'b', 'c', 'd', 'e'];
  const rel = new Set(['a', 'c', 'f']);

  it('at k = 5: hits at ranks 1 and 3 of 3 relevant', () => {
    close(recallAtK(rec, rel, 5), 2 / 3);
    close(precisionAtK(rec, rel, 5), 2 / 5);
    // DCG = 1/log2(2) + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3) + 1/log2(4).
    close(ndcgAtK(rec, rel, 5), 1.5 / (1 + 1 / L2_3 + 0.5));
    // AP = (1/1 + 2/3) / min(3, 5).
    close(averagePrecisionAtK(rec, rel, 5), (1 + 2 / 3) / 3);
    expect(hitRateAtK(rec, rel, 5)).toBe(1);
  });

  it('at k = 2 and k = 1 the ideal is truncated to k', () => {
    expect(rankingMetrics(rec, rel, 2)).toEqual({ recall: 1 / 3, precision: 0.5, ndcg: 1 / (1 + 1 / L2_3), map: 0.5, hitRate: 1 });
    expect(rankingMetrics(rec, rel, 1)).toEqual({ recall: 1 / 3, precision: 1, ndcg: 1, map: 1, hitRate: 1 });
  });

  it('handles a late single hit, misses, short lists, duplicates and empty sets', () => {
    const m = rankingMetrics(['x', 'y'], new Set(['y']), 5);
    close(m.ndcg, 1 / L2_3);
    close(m.map, 0.5);
    close(m.precision, 0.2);
    expect(rankingMetrics(['q', 'r'], new Set(['y']), 5)).toEqual({ recall: 0, precision: 0, ndcg: 0, map: 0, hitRate: 0 });
    // The repeated 'a' is not a second hit.
    close(rankingMetrics(['a', 'a', 'c'], rel, 3).recall, 2 / 3);
    close(rankingMetrics(['a', 'a', 'c'], rel, 3).map, (1 + 2 / 3) / 3);
    expect(rankingMetrics(['a'], new Set(), 3).recall).toBe(0);
    const perfect = rankingMetrics(['a', 'c', 'f'], rel, 10);
    expect([perfect.recall, perfect.ndcg, perfect.map]).toEqual([1, 1, 1]);
    expect(() => rankingMetrics(rec, rel, 0)).toThrow(/positive integer/);
  });

  it('computes catalog coverage of the top k', () => {
    close(catalogCoverage([['a', 'b', 'c'], ['b', 'd']], 10, 2), 3 / 10);
    expect(catalogCoverage([], 0, 1)).toBe(0);
  });
});

describe('MetricsAccumulator', () => {
  it('averages over users with relevant items and tracks coverage over all lists', () => {
    const acc = new MetricsAccumulator([1, 5], 10);
    acc.add(['a', 'b', 'c', 'd', 'e'], new Set(['a', 'c', 'f']));
    acc.add(['x', 'y'], new Set(['y']));
    acc.add([], new Set(['z']));
    acc.add(['n1', 'n2'], new Set()); // no held-out items: coverage only
    const r = acc.result();
    expect(r.users).toBe(3);
    expect(r.skippedUsers).toBe(1);
    const [at1, at5] = r.atK;
    expect(at1).toMatchObject({ k: 1, precision: 1 / 3, hitRate: 1 / 3, map: 1 / 3, ndcg: 1 / 3, coverage: 0.3 });
    close(at1?.recall ?? -1, 1 / 9);
    close(at5?.recall ?? -1, (2 / 3 + 1 + 0) / 3);
    close(at5?.precision ?? -1, (0.4 + 0.2) / 3);
    close(at5?.ndcg ?? -1, (1.5 / (1 + 1 / L2_3 + 0.5) + 1 / L2_3) / 3);
    close(at5?.map ?? -1, ((1 + 2 / 3) / 3 + 0.5) / 3);
    close(at5?.hitRate ?? -1, 2 / 3);
    close(at5?.coverage ?? -1, 0.9);
    expect(new MetricsAccumulator([3]).result()).toEqual({ users: 0, skippedUsers: 0, atK: [{ k: 3, recall: 0, precision: 0, ndcg: 0, map: 0, hitRate: 0, coverage: null }] });
  });
});

describe('splits', () => {
  const data = [
    ev('u1', 'a', 'click', 0), ev('u1', 'b', 'impression', 10), ev('u1', 'c', 'booking', 80), ev('u1', 'a', 'click', 90),
    ev('u2', 'd', 'rating', 50, 2), ev('u2', 'e', 'rating', 100, 5), ev('u2', 'f', 'search', 100),
  ];

  it('timeSplit holds out the last fraction of the time range', () => {
    const s = timeSplit(data, 0.25);
    expect(s.cutoffTs).toBe(75);
    expect(s.train.map((e) => e.itemId)).toEqual(['a', 'b', 'd']);
    expect(s.test.map((e) => e.itemId)).toEqual(['c', 'a', 'e', 'f']);
    expect(s.testRelevant).toEqual(new Map([['u1', new Set(['c', 'a'])], ['u2', new Set(['e'])]]));
    expect(s.trainRelevant).toEqual(new Map([['u1', new Set(['a'])], ['u2', new Set(['d'])]]));
    const strict = timeSplit(data, 0.25, { excludeTrainItems: true, minRating: 3 });
    expect(strict.testRelevant).toEqual(new Map([['u1', new Set(['c'])], ['u2', new Set(['e'])]]));
    expect(strict.trainRelevant.get('u2')).toBeUndefined();
    expect(timeSplit([], 0.5).test).toEqual([]);
    expect(() => timeSplit(data, 1)).toThrow(/fraction/);
  });

  it('randomSplit is seeded, order-independent and near the requested fraction', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ev(`u${i % 100}`, `h${i % 500}`, 'click', i));
    const a = randomSplit(many, 0.2, 42);
    const b = randomSplit([...many].reverse(), 0.2, 42);
    expect(new Set(a.test.map((e) => e.eventId))).toEqual(new Set(b.test.map((e) => e.eventId)));
    expect(a.test.length / many.length).toBeGreaterThan(0.18);
    expect(a.test.length / many.length).toBeLessThan(0.22);
    expect(a.train.length + a.test.length).toBe(many.length);
    expect(a.cutoffTs).toBeNull();
    const c = randomSplit(many, 0.2, 43);
    expect(c.test.map((e) => e.eventId)).not.toEqual(a.test.map((e) => e.eventId));
    expect(hashUnit('x', 1)).toBeGreaterThanOrEqual(0);
    expect(hashUnit('x', 1)).toBeLessThan(1);
  });
});

describe('StageLiftAccumulator', () => {
  it('pairs each stage with the previous one request by request, with a 95 % interval', () => {
    const acc = new StageLiftAccumulator(['a', 'b', 'c'], 2);
    // Request 1: b finds the item at rank 1 (a and c at rank 2); request 2: every stage misses; request 3 has nothing relevant.
    acc.add([['x', 'r'], ['r', 'x'], ['x', 'r']], new Set(['r']));
    acc.add([['x', 'y'], ['x', 'y'], ['x', 'y']], new Set(['r']));
    acc.add([['x'], ['x'], ['x']], new Set());
    const [ab, bc] = acc.result();
    const d = 1 - 1 / Math.log2(3);
    expect(ab).toMatchObject({ from: 'a', to: 'b', k: 2, n: 2, better: 1, worse: 0 });
    expect(ab!.delta).toBeCloseTo(d / 2);
    // Differences d and 0: sample sd = d/√2, standard error = d/2.
    expect(ab!.ci95).toBeCloseTo(1.96 * d / 2);
    expect(bc).toMatchObject({ from: 'b', to: 'c', n: 2, better: 0, worse: 1 });
    expect(bc!.delta).toBeCloseTo(-d / 2);
  });

  it('compares graded NDCG too when grades are given: a booking above a click is a lift binary NDCG cannot see', () => {
    const acc = new StageLiftAccumulator(['rank', 'rerank'], 2);
    const grades = new Map([['c', 1], ['b', 2]]);
    // Both orders hold both relevant items in the top 2 (binary NDCG 1 for each); rerank puts the booking first.
    acc.add([['c', 'b'], ['b', 'c']], new Set(grades.keys()), { grades });
    const [lift] = acc.result();
    expect(lift!.delta).toBe(0);
    const idcg = 3 + 1 / L2_3;
    expect(lift!.graded!.from).toBeCloseTo((1 + 3 / L2_3) / idcg, 12);
    expect(lift!.graded!.to).toBeCloseTo(1, 12);
    expect(lift!.graded).toMatchObject({ better: 1, worse: 0 });
    expect(lift!.graded!.delta).toBeCloseTo(1 - (1 + 3 / L2_3) / idcg, 12);
    expect(new StageLiftAccumulator(['a', 'b'], 2).result()[0]!.graded).toBeUndefined();
  });

  it('graded NDCG: gains 2^grade − 1, repeats count once, nothing graded gives 0', () => {
    const grades = new Map([['a', 2], ['b', 1], ['z', 0]]);
    close(gradedNdcgAtK(['b', 'a'], grades, 2), (1 + 3 / L2_3) / (3 + 1 / L2_3));
    close(gradedNdcgAtK(['a', 'a', 'b'], grades, 3), (3 + 1 / 2) / (3 + 1 / L2_3));
    expect(gradedNdcgAtK(['a'], new Map([['a', 0]]), 1)).toBe(0);
    expect(() => gradedNdcgAtK(['a'], grades, 0)).toThrow(/k must be a positive integer/);
  });

  it('scores a list under list-aware gains: what resembles an item above gains less, the ideal is the gains alone', () => {
    // b resembles a: listed below a it gains 0.2 instead of 0.8.
    const gains = {
      alone: new Map([['a', 0.9], ['b', 0.8], ['c', 0.5]]),
      inContext: (id: string, above: readonly string[]) => (id === 'b' && above.includes('a') ? 0.2 : ({ a: 0.9, b: 0.8, c: 0.5 } as Record<string, number>)[id] ?? 0),
    };
    const idcg = 0.9 + 0.8 / L2_3;
    close(listNdcgAtK(['a', 'b', 'c'], gains, 2), (0.9 + 0.2 / L2_3) / idcg);
    close(listNdcgAtK(['a', 'c', 'b'], gains, 2), (0.9 + 0.5 / L2_3) / idcg);
    close(listNdcgAtK(['b', 'a'], gains, 2), (0.8 + 0.9 / L2_3) / idcg); // b above a: a loses nothing
    close(listNdcgAtK(['a', 'a', 'c'], gains, 2), 0.9 / idcg); // a repeat takes its place and gains nothing
    close(listNdcgAtK(['a', 'b'], contextFreeGains(gains.alone), 2), 1);
    expect(listNdcgAtK(['a'], contextFreeGains(new Map()), 2)).toBe(0);
  });

  it('compares the stages on the displayed items only when told what the log displayed', () => {
    const acc = new StageLiftAccumulator(['rank', 'rerank'], 2);
    // x was never displayed: ranking it first costs the full lists, not the displayed-list NDCG.
    acc.add([['a', 'r'], ['x', 'r']], new Set(['r', 'x']), { shown: new Set(['a', 'r']) });
    acc.add([['r', 'a'], ['a', 'r']], new Set(['r']), { shown: new Set(['a', 'r']) });
    acc.add([['a', 'b'], ['b', 'a']], new Set(['z']), { shown: new Set(['a', 'b']) }); // nothing displayed was relevant: left out
    const [lift] = acc.result();
    expect(lift!.n).toBe(3);
    // Displayed-list orders: request 1 [a, r] → [r] (better), request 2 [r, a] → [a, r] (worse).
    expect(lift!.shown!.from).toBeCloseTo((1 / L2_3 + 1) / 2, 12);
    expect(lift!.shown!.to).toBeCloseTo((1 + 1 / L2_3) / 2, 12);
    expect(lift!.shown).toMatchObject({ better: 1, worse: 1 });
    expect(lift!.worse).toBe(1); // the full lists: request 1 gains x, request 2 loses
    expect(new StageLiftAccumulator(['a', 'b'], 2).result()[0]!.shown).toBeUndefined();
  });

  it('weighs the displayed items’ session clicks by inverse examination when given the debiased gains', () => {
    const acc = new StageLiftAccumulator(['rank', 'rerank'], 2);
    const shown = new Set(['a', 'b', 'c']);
    // a was clicked at position 1 (weight 1), c at position 3 (weight 4): c is worth more than its raw click.
    const debiased = new Map([['a', 1], ['c', 4]]);
    acc.add([['a', 'x', 'c', 'b'], ['c', 'x', 'a', 'b']], new Set(['a', 'c']), { shown, debiased });
    acc.add([['a', 'b'], ['b', 'a']], new Set(['z']), { shown, debiased: new Map() }); // no session click: left out
    const [lift] = acc.result();
    const idcg = 4 + 1 / L2_3;
    expect(lift!.debiased!.from).toBeCloseTo((1 + 4 / L2_3) / idcg, 12);
    expect(lift!.debiased!.to).toBeCloseTo(1, 12);
    expect(lift!.debiased).toMatchObject({ better: 1, worse: 0 });
    // Unweighted, both orders put one click first and one second: the displayed-list NDCG sees no difference.
    expect(lift!.shown!.delta).toBeCloseTo(0, 12);
  });

  it('compares NDCG against true gains when given (every candidate graded by its hidden relevance)', () => {
    const acc = new StageLiftAccumulator(['rank', 'rerank'], 2);
    const gains = new Map([['a', 0.9], ['b', 0.5], ['c', 0.1]]);
    acc.add([['b', 'a'], ['a', 'b']], new Set(['b']), { trueGains: contextFreeGains(gains) });
    acc.add([['c', 'a'], ['a', 'c']], new Set(['c']), { trueGains: contextFreeGains(gains) });
    const [lift] = acc.result();
    const idcg = 0.9 + 0.5 / L2_3;
    expect(lift!.truth!.from).toBeCloseTo(((0.5 + 0.9 / L2_3) + (0.1 + 0.9 / L2_3)) / 2 / idcg, 12);
    expect(lift!.truth!.to).toBeCloseTo((1 + (0.9 + 0.1 / L2_3) / idcg) / 2, 12);
    expect(lift!.truth).toMatchObject({ better: 2, worse: 0 });
    expect(lift!.delta).toBeLessThan(0); // the logged clicks say the opposite, by chance
    close(gainNdcgAtK(['x', 'a'], gains, 1), 0);
    expect(gainNdcgAtK(['a'], new Map(), 3)).toBe(0);
  });

  it('sign test: equal counts give p = 1, 508 vs 416 is significant, 30 vs 20 is not', () => {
    expect(signTestP(0, 0)).toBe(1);
    expect(signTestP(10, 10)).toBe(1);
    // z = (92 − 1) / √924 = 2.99 → p ≈ 0.0028.
    expect(signTestP(508, 416)).toBeCloseTo(0.0028, 4);
    expect(signTestP(416, 508)).toBeCloseTo(0.0028, 4);
    expect(signTestP(30, 20)).toBeGreaterThan(0.2);
  });

  it('refuses a request scored by a different number of stages', () => {
    expect(() => new StageLiftAccumulator(['a', 'b'], 10).add([['x']], new Set(['x']))).toThrow(/1 orders for 2 stages/);
  });
});

describe('intra-list diversity', () => {
  const sim = (a: string, b: string): number => (a[0] === b[0] ? 1 : 0);
  it('is the mean dissimilarity over the top-k pairs', () => {
    expect(intraListDiversity(['a1', 'a2', 'b1'], 3, sim)).toBeCloseTo(2 / 3);
    expect(intraListDiversity(['a1', 'a2', 'b1'], 2, sim)).toBe(0);
    expect(intraListDiversity(['a1'], 10, sim)).toBe(0);
  });

  it('is averaged per stage by the lift accumulator when a similarity is given', () => {
    const acc = new StageLiftAccumulator(['rank', 'rules'], 2, sim);
    acc.add([['a1', 'a2', 'b1'], ['a1', 'b1', 'a2']], new Set(['b1']));
    expect(acc.result()[0]!.diversity).toEqual({ from: 0, to: 1 });
    expect(new StageLiftAccumulator(['x', 'y'], 2).result()[0]!.diversity).toBeUndefined();
  });
});
