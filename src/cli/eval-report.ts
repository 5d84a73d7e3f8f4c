/**
 * @module cli/eval-report
 * Prints an evaluation report as an aligned table per cut-off.
 */
import type { EvalReport } from '../training/evaluate.ts';
import type { CliContext } from './context.ts';

export function printEvalReport(ctx: CliContext, r: EvalReport): void {
  const cutoff = r.cutoffTs === null ? 'random events' : `events from ${new Date(r.cutoffTs).toISOString()}`;
  ctx.out(`split: ${r.split} (held out ${cutoff}); train ${r.trainEvents.toLocaleString()} events, test ${r.testEvents.toLocaleString()} events`);
  for (const note of r.notes) ctx.out(`note: ${note}`);
  if (r.oracle !== undefined) ctx.out(`note: ${r.oracle}`);
  const sources = Object.keys(r.bySource);
  const first = r.bySource[sources[0] ?? ''];
  if (first === undefined) { ctx.out('no test users with held-out interest events'); return; }
  ctx.out(`users scored: ${first.users.toLocaleString()}`);
  for (const [j, { k }] of first.atK.entries()) {
    ctx.out('');
    ctx.out('source'.padEnd(14) + [`Recall@${k}`, `Prec@${k}`, `NDCG@${k}`, `MAP@${k}`, `Hit@${k}`, 'Coverage'].map((c) => c.padStart(10)).join(''));
    for (const s of sources) {
      const m = r.bySource[s]?.atK[j];
      if (m === undefined) continue;
      const cells = [m.recall, m.precision, m.ndcg, m.map, m.hitRate, m.coverage ?? 0].map((x) => x.toFixed(4).padStart(10));
      ctx.out(`${s.padEnd(14)}${cells.join('')}`);
    }
  }
  if (r.lifts === undefined || r.lifts.length === 0) return;
  ctx.out('');
  ctx.out('stage lifts (paired per request; ± = 95 % confidence interval; diversity = mean 1 − similarity of the top-k pairs, similarity: same city .5, chain .3, stars and price band .2):');
  for (const l of r.lifts) {
    const sign = l.delta >= 0 ? '+' : '−';
    const ild = l.diversity === undefined ? '' : `; diversity@${l.k} ${l.diversity.from.toFixed(3)} → ${l.diversity.to.toFixed(3)}`;
    ctx.out(`  ${`${l.from} → ${l.to}`.padEnd(36)} NDCG@${l.k} ${sign}${Math.abs(l.delta).toFixed(4)} ± ${l.ci95.toFixed(4)}  (${l.n.toLocaleString()} requests: ${l.better.toLocaleString()} better, ${l.worse.toLocaleString()} worse, sign test ${pValue(l.signP)}${ild})`);
    for (const [what, c, label] of [['graded', l.graded, '(booking 3, click 1)'], ['true', l.truth, '(hidden click probabilities in the list served)'], ['shown', l.shown, '(only the items the log displayed)'],
      ['debiased', l.debiased, '(displayed items; session clicks ÷ estimated examination of their position)']] as const) {
      if (c === undefined) continue;
      ctx.out(`  ${''.padEnd(36)} ${what} NDCG@${l.k} ${label} ${c.from.toFixed(4)} → ${c.to.toFixed(4)}: ${c.delta >= 0 ? '+' : '−'}${Math.abs(c.delta).toFixed(4)} ± ${c.ci95.toFixed(4)}`
        + ` (${c.better.toLocaleString()} better, ${c.worse.toLocaleString()} worse, sign test ${pValue(c.signP)})`);
    }
  }
}

/** A p-value for the report: 3 significant digits, or "< 1e-6". */
function pValue(p: number): string {
  return p < 1e-6 ? 'p < 1e-6' : `p = ${p.toPrecision(2)}`;
}
