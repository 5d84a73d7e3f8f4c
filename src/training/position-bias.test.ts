import { describe, expect, it } from 'vitest';
import type { Interaction } from '../domain/types.ts';
import { createRng } from '../util/rng.ts';
import { PositionBiasEstimator, clickWeight } from './position-bias.ts';

const ev = (type: Interaction['type'], userId: string, itemId: string, sessionId: string | null, value: number | null, ts: number): Interaction =>
  ({ eventId: '', userId, itemId, type, value, ts, sessionId, context: {} });

/**
 * A position-based click log: 300 items of hidden attractiveness, lists of 10 ordered by a noisy
 * popularity (so that attractive items tend to sit on top, as in a real display), clicks with probability
 * examination(position) × attractiveness.
 */
function simulate(examination: (p: number) => number, sessions: number, seed: number): { est: PositionBiasEstimator; clickRate: number[] } {
  const rng = createRng(seed);
  const attract = Array.from({ length: 300 }, () => 0.05 + 0.6 * rng.next());
  const est = new PositionBiasEstimator({ maxPosition: 10 });
  const clicks = new Array<number>(10).fill(0);
  let ts = 0;
  for (let s = 0; s < sessions; s++) {
    const user = `u${s}`;
    const picked = new Set<number>();
    while (picked.size < 10) picked.add(rng.int(300));
    const list = [...picked].map((i) => ({ i, score: attract[i]! * 3 + rng.normal() })).sort((a, b) => b.score - a.score);
    const events: Interaction[] = list.map(({ i }, p) => ev('impression', user, `h${i}`, `s${s}`, p + 1, ts));
    list.forEach(({ i }, p) => { if (rng.next() < examination(p + 1) * attract[i]!) { events.push(ev('click', user, `h${i}`, `s${s}`, p + 1, ts + 1000)); clicks[p]!++; } });
    for (const e of events) est.add(e);
    ts += 60_000;
  }
  return { est, clickRate: clicks.map((c) => c / sessions) };
}

describe('PositionBiasEstimator', () => {
  it('recovers the examination curve of a position-based click log where attractive items are shown higher', () => {
    const truth = (p: number): number => 1 / (1 + 0.25 * (p - 1));
    const { est, clickRate } = simulate(truth, 20_000, 3);
    const bias = est.estimate();
    expect(bias).toBeDefined();
    for (let p = 1; p <= 10; p++) expect(Math.abs(bias!.examination[p - 1]! - truth(p))).toBeLessThan(0.04);
    // The click rate by position overstates the decay: it also carries the display's order of attractiveness.
    expect(clickRate[9]! / clickRate[0]!).toBeLessThan(truth(10) - 0.1);
    expect(bias!.examination[0]).toBe(1);
    expect(clickWeight(bias!, 10)).toBeCloseTo(1 / bias!.examination[9]!, 10);
  });

  it('finds no bias in a log without one', () => {
    const bias = simulate(() => 0.8, 20_000, 5).est.estimate()!;
    for (let p = 1; p <= 10; p++) expect(Math.abs(bias.examination[p - 1]! - 1)).toBeLessThan(0.05);
  });

  it('matches a click to its own session, counts the first showing and leaves out items the user found again', () => {
    const est = new PositionBiasEstimator({ maxPosition: 3 });
    for (let s = 0; s < 60; s++) {
      const u = `u${s}`;
      est.add(ev('impression', u, 'a', `s${s}`, 1, s * 10));
      est.add(ev('impression', u, 'b', `s${s}`, 2, s * 10));
      est.add(ev('impression', u, 'a', `s${s}`, 3, s * 10)); // shown again: not a new impression
      est.add(ev('click', u, 'a', `s${s}`, 1, s * 10 + 1));
      est.add(ev('click', u, 'b', `other${s}`, 2, s * 10 + 1)); // another session's click
      est.add(ev('impression', u, 'a', `t${s}`, 2, s * 10 + 2)); // clicked before: left out
    }
    const bias = est.estimate()!;
    expect(bias).toMatchObject({ impressions: 120, clicks: 60 });
    // Only 'a' at position 1 was ever clicked; 'b' at position 2 never was.
    expect(bias.examination[1]).toBeLessThan(0.01);
    expect(bias.examination[2]).toBe(bias.examination[1]); // pooled: too few clicks to tell apart
  });

  it('pools deep positions with too few clicks of their own', () => {
    const { est } = simulate((p) => (p <= 4 ? 1 / p : 0.002), 2_000, 9);
    const bias = est.estimate()!;
    expect(bias.examination[3]).toBeGreaterThan(0.15);
    for (let p = 6; p < 10; p++) expect(bias.examination[p]).toBe(bias.examination[4]);
  });

  it('refuses to guess from too few clicks', () => {
    expect(simulate((p) => 1 / p, 30, 1).est.estimate()).toBeUndefined();
  });

  it('caps the weight of a click deep in the list', () => {
    const bias = { examination: Float64Array.from([1, 0.5, 0.01]), impressions: 0, clicks: 0, iterations: 0 };
    expect(clickWeight(bias, 2)).toBe(2);
    expect(clickWeight(bias, 3)).toBe(20);
    expect(clickWeight(bias, 99)).toBe(20);
  });
});
