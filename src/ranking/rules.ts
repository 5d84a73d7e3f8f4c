/**
 * @module ranking/rules
 * The last step of re-ranking: business rules (boost, bury, per-destination and per-chain quotas, pins)
 * and diversity by maximal marginal relevance over destination / chain / stars-and-price-band similarity. Pure
 * functions over the ranked list; the rank order comes in, the served order goes out.
 */
import type { ItemId } from '../domain/types.ts';
import type { CatalogItem } from '../pipeline/catalog.ts';
import type { PipelineItem } from '../pipeline/stage.ts';

/** Which items a rule applies to: any listed field must match (ids, or an attribute value). */
export interface RuleMatch {
  itemIds?: readonly ItemId[] | undefined;
  chain?: string | undefined;
  city?: string | undefined;
  country?: string | undefined;
}

export interface BusinessRules {
  /** Put an item at a 1-based position when it is in the list (it passed every filter). */
  pins: readonly { itemId: ItemId; position: number }[];
  /** Add `by` to the normalised relevance (0–1) of matching items. */
  boosts: readonly { match: RuleMatch; by: number }[];
  /** Move matching items below every other item. */
  buries: readonly RuleMatch[];
  /** At most this many items of one city / one chain in the served list; 0 = no limit. */
  maxPerDestination: number;
  maxPerChain: number;
  /**
   * MMR trade-off: each next item maximises λ·relevance − (1−λ)·max similarity to the items already
   * chosen. 1 = relevance order (no diversity).
   */
  diversityLambda: number;
}

export const DEFAULT_RULES: BusinessRules = { pins: [], boosts: [], buries: [], maxPerDestination: 0, maxPerChain: 0, diversityLambda: 1 };

type Attrs = (id: ItemId) => CatalogItem | undefined;

export function matches(m: RuleMatch, id: ItemId, a: CatalogItem | undefined): boolean {
  if (m.itemIds?.includes(id) === true) return true;
  if (a === undefined) return false;
  return (m.chain !== undefined && a.chain === m.chain) || (m.city !== undefined && a.city === m.city) || (m.country !== undefined && a.country === m.country);
}

const PRICE_EDGES = [50, 100, 200, 400];
/** Price band of a nightly price: edges 50, 100, 200, 400 (-1: unknown). */
export const priceBand = (p: number | null): number => (p === null ? -1 : PRICE_EDGES.filter((e) => p >= e).length);

/** Similarity of two items: same city 0.5, same chain 0.3, same stars in the same price band 0.2. */
export function similarity(a: CatalogItem | undefined, b: CatalogItem | undefined): number {
  if (a === undefined || b === undefined) return 0;
  return (a.city !== null && a.city === b.city ? 0.5 : 0) + (a.chain !== null && a.chain === b.chain ? 0.3 : 0)
    + (a.price !== null && b.price !== null && a.stars !== null && a.stars === b.stars && priceBand(a.price) === priceBand(b.price) ? 0.2 : 0);
}

/**
 * Apply the rules to the first `k` places of `items` (already in relevance order); the rest follow in
 * their order. Items changed by a rule get a `rule` reason.
 */
export function applyRules(items: readonly PipelineItem[], k: number, rules: BusinessRules, attrs: Attrs): PipelineItem[] {
  if (items.length === 0) return [];
  const rel = normalisedRelevance(items);
  for (const b of rules.boosts) items.forEach((it, i) => { if (matches(b.match, it.itemId, attrs(it.itemId))) { rel[i]! += b.by; addRule(it, 'featured'); } });
  const buried = new Set<number>();
  for (const m of rules.buries) items.forEach((it, i) => { if (matches(m, it.itemId, attrs(it.itemId))) buried.add(i); });
  const order = items.map((_, i) => i).filter((i) => !buried.has(i));
  order.sort((a, b) => rel[b]! - rel[a]! || a - b);
  const chosen = selectDiverse(items, order, rel, k, rules, attrs);
  const chosenSet = new Set(chosen);
  const rest = [...order.filter((i) => !chosenSet.has(i)), ...[...buried].sort((a, b) => a - b)];
  const out = [...chosen, ...rest].map((i) => items[i] as PipelineItem);
  return pin(out, rules.pins);
}

/** Greedy MMR with quotas over the first k places. */
function selectDiverse(items: readonly PipelineItem[], order: number[], rel: Float64Array, k: number, rules: BusinessRules, attrs: Attrs): number[] {
  const lambda = rules.diversityLambda;
  const chosen: number[] = [];
  const perCity = new Map<string, number>();
  const perChain = new Map<string, number>();
  const allowed = (i: number): boolean => {
    const a = attrs(items[i]!.itemId);
    if (a === undefined) return true;
    if (rules.maxPerDestination > 0 && a.city !== null && (perCity.get(a.city) ?? 0) >= rules.maxPerDestination) return false;
    return !(rules.maxPerChain > 0 && a.chain !== null && (perChain.get(a.chain) ?? 0) >= rules.maxPerChain);
  };
  const pool = order.slice(0, Math.max(k * 5, 50));
  const maxSim = new Float64Array(items.length);
  while (chosen.length < k && pool.length > 0) {
    let best = -1;
    let bestValue = -Infinity;
    for (let p = 0; p < pool.length; p++) {
      const i = pool[p]!;
      if (!allowed(i)) continue;
      const v = lambda * rel[i]! - (1 - lambda) * maxSim[i]!;
      if (v > bestValue) { bestValue = v; best = p; }
      if (lambda === 1) break; // relevance order: the first allowed item wins
    }
    if (best < 0) break;
    const i = pool.splice(best, 1)[0]!;
    chosen.push(i);
    const a = attrs(items[i]!.itemId);
    if (a?.city != null) perCity.set(a.city, (perCity.get(a.city) ?? 0) + 1);
    if (a?.chain != null) perChain.set(a.chain, (perChain.get(a.chain) ?? 0) + 1);
    if (lambda < 1) for (const j of pool) maxSim[j] = Math.max(maxSim[j]!, similarity(a, attrs(items[j]!.itemId)));
  }
  return chosen;
}

/**
 * Relevance on 0–1 for the MMR trade-off. Ranked items carry the rankers' raw scores (log-odds of a
 * click or booking): their logistic is a probability, so λ weighs a difference in that probability
 * against similarity, whatever the list's spread. Unranked lists (no rankers) are min–max scaled.
 */
function normalisedRelevance(items: readonly PipelineItem[]): Float64Array {
  const n = items.length;
  const rel = new Float64Array(n);
  if (items.every((i) => i.rankScore !== undefined)) {
    for (let i = 0; i < n; i++) rel[i] = 1 / (1 + Math.exp(-items[i]!.finalScore));
    return rel;
  }
  const lo = Math.min(...items.map((i) => i.finalScore));
  const hi = Math.max(...items.map((i) => i.finalScore));
  for (let i = 0; i < n; i++) rel[i] = hi > lo ? (items[i]!.finalScore - lo) / (hi - lo) : 1 - i / n;
  return rel;
}

function pin(items: PipelineItem[], pins: BusinessRules['pins']): PipelineItem[] {
  for (const p of [...pins].sort((a, b) => a.position - b.position)) {
    const at = items.findIndex((i) => i.itemId === p.itemId);
    if (at < 0) continue;
    const [it] = items.splice(at, 1) as [PipelineItem];
    addRule(it, 'featured');
    items.splice(Math.min(items.length, Math.max(0, p.position - 1)), 0, it);
  }
  return items;
}

function addRule(it: PipelineItem, rule: string): void {
  if (!it.reasons.some((r) => r.kind === 'rule' && r.rule === rule)) it.reasons.push({ kind: 'rule', rule });
}
