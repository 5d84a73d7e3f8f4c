import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../domain/types.ts';
import { RecsysError } from '../../errors.ts';
import type { CovisitationOptions } from './covisitation.ts';
import { CovisitationModel, CovisitationTrainer } from './covisitation.ts';
import { PairTable, kthSmallest } from './pair-table.ts';

const DAY = 86_400_000;
const MIN = 60_000;
const T = Date.UTC(2026, 3, 1);
let seq = 0;
function ev(userId: string, itemId: string, ts: number, sessionId: string | null, type: Interaction['type'] = 'click'): Interaction {
  return { eventId: `e${seq++}`, userId, itemId, type, value: null, ts, sessionId, context: {} };
}
/** A session of clicks one minute apart. */
function session(userId: string, sessionId: string | null, items: string[], start = T): Interaction[] {
  return items.map((it, i) => ev(userId, it, start + i * MIN, sessionId));
}
function train(events: Interaction[], opts: CovisitationOptions = {}, now?: number): CovisitationModel {
  const t = new CovisitationTrainer({ userSequenceWeight: 0, ...opts });
  t.add([...events].sort((a, b) => a.ts - b.ts));
  return t.build(now);
}
const pairsOf = (m: CovisitationModel, item: string): [string, number][] =>
  m.similar(item, 100).map((c) => [c.itemId, Math.round(c.score * 1e6) / 1e6]);
function expectClose(a: number, b: number, rel: number): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(Math.abs(a), Math.abs(b)));
}
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('CovisitationTrainer / CovisitationModel', () => {
  const hand = (): Interaction[] => [
    ...session('u1', 's1', ['A', 'B', 'C']),
    ev('u1', 'X', T + 30_000, 's1', 'impression'), // not interest: no pairs, no window slot
    ...session('u2', 's2', ['A', 'B']),
    ev('u3', 'B', T, 's3'), ev('u3', 'D', T + MIN, 's3', 'booking'),
  ];

  it('computes neighbours on a hand-made session set (forward 1/d, backward ×0.5, booking ×3)', () => {
    const m = train(hand(), { halfLifeMs: Infinity });
    // A→B: 1 (s1) + 1 (s2); A→C: 1/2 (distance 2).
    expect(pairsOf(m, 'A')).toEqual([['B', 2], ['C', 0.5]]);
    // B→D: 1·3; B→A: 0.5 + 0.5; B→C: 1.
    expect(pairsOf(m, 'B')).toEqual([['D', 3], ['A', 1], ['C', 1]]);
    expect(pairsOf(m, 'C')).toEqual([['B', 0.5], ['A', 0.25]]);
    expect(pairsOf(m, 'X')).toEqual([]);
    expect(m.similar('B', 1)[0]).toMatchObject({ source: 'covisitation', reasons: [{ kind: 'covisited', itemId: 'B' }] });
  });

  it('queries by recent items, sums contributions and names the strongest one', () => {
    const m = train(hand(), { halfLifeMs: Infinity });
    const res = m.query([{ itemId: 'A', weight: 1 }, { itemId: 'C', weight: 1 }], 10);
    // B: 2 (from A) + 0.5 (from C); A and C are the query itself.
    expect(res).toEqual([{ itemId: 'B', source: 'covisitation', score: expect.closeTo(2.5, 9) as number, sourceScores: { covisitation: expect.closeTo(2.5, 9) as number }, reasons: [{ kind: 'covisited', itemId: 'A' }] }]);
    const withWeights = m.query([{ itemId: 'B', weight: 2 }, { itemId: 'unknown', weight: 5 }], 2, (id) => id === 'D');
    expect(withWeights.map((c) => [c.itemId, c.score])).toEqual([['A', 2], ['C', 2]]);
    expect(m.query([], 5)).toEqual([]);
    expect(m.query([{ itemId: 'A', weight: 1 }], 0)).toEqual([]);
  });

  it('ranks the next city of a trip above the previous one', () => {
    const trips = [0, 1, 2, 3].map((i) => session(`u${i}`, `trip${i}`, ['Paris', 'Lyon', 'Nice', 'Monaco'], T + i * DAY));
    const m = train(trips.flat());
    expect(m.similar('Lyon', 1).map((c) => c.itemId)).toEqual(['Nice']);
    expect(m.similar('Nice', 3).map((c) => c.itemId)).toEqual(['Monaco', 'Lyon', 'Paris']);
    expect(m.similar('Paris', 3).map((c) => c.itemId)).toEqual(['Lyon', 'Nice', 'Monaco']);
    expect(m.query([{ itemId: 'Nice', weight: 1 }], 1)[0]?.itemId).toBe('Monaco');
  });

  it('links consecutive items of a user across sessions with the user-sequence weight', () => {
    const events = [...session('u1', 's1', ['A']), ...session('u1', 's2', ['B'], T + DAY)];
    const m = train(events, { userSequenceWeight: 0.3, halfLifeMs: Infinity });
    expect(pairsOf(m, 'A')).toEqual([['B', 0.3]]);
    expect(pairsOf(m, 'B')).toEqual([['A', 0.15]]);
  });

  it('splits null-session events of a user at 30-minute gaps', () => {
    const events = [ev('u', 'A', T, null), ev('u', 'B', T + 10 * MIN, null), ev('u', 'C', T + 120 * MIN, null)];
    const m = train(events, { userSequenceWeight: 0.3, halfLifeMs: Infinity });
    // A–B in session; C only through the user sequence from B.
    expect(pairsOf(m, 'A')).toEqual([['B', 1]]);
    expect(pairsOf(m, 'B')).toEqual([['A', 0.5], ['C', 0.3]]);
    expect(pairsOf(m, 'C')).toEqual([['B', 0.15]]);
  });

  it('limits pairs to the window and decays with time (half-life ago counts half)', () => {
    const w2 = train(session('u', 's', ['A', 'B', 'C']), { window: 2, halfLifeMs: Infinity });
    expect(pairsOf(w2, 'A')).toEqual([['B', 1]]);
    const events = [...session('u1', 's1', ['A', 'B'], T - 10 * DAY - MIN), ...session('u2', 's2', ['A', 'C'], T - MIN)];
    const m = train(events, { halfLifeMs: 10 * DAY });
    expect(pairsOf(m, 'A')).toEqual([['C', 1], ['B', 0.5]]);
  });

  it('online update equals batch training for the same events', () => {
    const next = rng(11);
    const events: Interaction[] = [];
    for (let s = 0; s < 300; s++) {
      const user = `u${Math.floor(next() * 40)}`;
      const start = T + s * 7 * MIN;
      const sid = next() < 0.3 ? null : `s${s}`;
      for (let i = 0; i < 3 + Math.floor(next() * 8); i++) {
        const type = (['click', 'click', 'impression', 'booking'] as const)[Math.floor(next() * 4)] ?? 'click';
        events.push(ev(user, `h${Math.floor(next() ** 2 * 60)}`, start + i * 2 * MIN, sid, type));
      }
    }
    events.sort((a, b) => a.ts - b.ts);
    const opts = { topN: 1000, userSequenceWeight: 0.3, halfLifeMs: 2 * DAY };
    const last = events.at(-1)?.ts ?? 0;
    const batch = train(events, opts, last);
    const cut = Math.floor(events.length / 2);
    const online = train(events.slice(0, cut), opts);
    for (let i = cut; i < events.length; i++) {
      const e = events[i] as Interaction;
      online.update(events.slice(0, i).filter((r) => r.userId === e.userId).reverse(), e);
    }
    expect(online.now).toBe(last);
    for (let h = 0; h < 60; h++) {
      const a = batch.similar(`h${h}`, 1000);
      const b = online.similar(`h${h}`, 1000);
      expect(b.map((c) => c.itemId).sort()).toEqual(a.map((c) => c.itemId).sort());
      const bs = new Map(b.map((c) => [c.itemId, c.score]));
      for (const c of a) expectClose(bs.get(c.itemId) ?? 0, c.score, 1e-9);
    }
  });

  it('shows a new booking at once through update', () => {
    const m = train(session('u1', 's1', ['A', 'B']));
    const seen = ev('u9', 'A', T + DAY, 'sx');
    m.update([], seen);
    m.update([seen], ev('u9', 'Z', T + DAY + MIN, 'sx', 'booking'));
    expect(m.similar('A', 5).map((c) => c.itemId)).toEqual(['Z', 'B']);
    expect(m.similar('Z', 5).map((c) => c.itemId)).toEqual(['A']);
    expect(m.query([{ itemId: 'Z', weight: 1 }], 1)[0]?.reasons).toEqual([{ kind: 'covisited', itemId: 'Z' }]);
  });

  it('round-trips through a JSON artifact and rejects other formats', () => {
    const m = train(hand(), { halfLifeMs: 5 * DAY });
    m.update([], ev('u7', 'Q', T + DAY, 'q'));
    m.update([ev('u7', 'Q', T + DAY, 'q')], ev('u7', 'A', T + DAY + MIN, 'q'));
    const json = JSON.parse(JSON.stringify(m.toArtifact())) as unknown;
    const back = CovisitationModel.fromArtifact(json);
    for (const item of ['A', 'B', 'C', 'D', 'Q']) {
      const a = m.similar(item, 10);
      const b = back.similar(item, 10);
      expect(b.map((c) => c.itemId)).toEqual(a.map((c) => c.itemId));
      a.forEach((c, i) => expectClose(b[i]?.score ?? 0, c.score, 1e-6));
    }
    expect(back.query([{ itemId: 'A', weight: 1 }], 3).map((c) => c.itemId)).toEqual(m.query([{ itemId: 'A', weight: 1 }], 3).map((c) => c.itemId));
    const noDecay = CovisitationModel.fromArtifact(JSON.parse(JSON.stringify(train(hand(), { halfLifeMs: Infinity }).toArtifact())));
    expect(pairsOf(noDecay, 'B')).toEqual([['D', 3], ['A', 1], ['C', 1]]);
    expect(() => CovisitationModel.fromArtifact({ format: 'covisitation@0' })).toThrow(/expected format 'covisitation@1'/);
    expect(() => CovisitationModel.fromArtifact({ ...m.toArtifact(), offsets: 'AAAA' })).toThrow(RecsysError);
  });

  it('bounds memory by pruning the weakest pairs', () => {
    const t = new PairTable(10);
    for (let i = 0; i < 30; i++) t.add(i % 3, 100 + i, i + 1);
    expect(t.pairs).toBeLessThanOrEqual(10);
    expect(t.prunes).toBeGreaterThan(0);
    const kept = [...t.rows].flatMap(([from, r]) => [...r.keys()].map((to) => t.weight(from, to)));
    expect(Math.max(...kept)).toBe(30);
    expect(Math.min(...kept)).toBeGreaterThan(15);
    const trainer = new CovisitationTrainer({ maxPairs: 50 });
    trainer.add(session('u', 's', Array.from({ length: 40 }, (_, i) => `i${i}`)));
    expect(trainer.progress.pairs).toBeLessThanOrEqual(50);
  });

  it('selects the k-th smallest value', () => {
    const next = rng(3);
    for (let n = 1; n < 60; n += 7) {
      const v = Float64Array.from({ length: n }, () => Math.floor(next() * 10));
      const sorted = [...v].sort((a, b) => a - b);
      for (let k = 0; k < n; k++) expect(kthSmallest(Float64Array.from(v), k)).toBe(sorted[k]);
    }
  });
});
