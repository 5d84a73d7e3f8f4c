/**
 * @module models/popularity/popularity-model
 * The serving side of popularity: ranked lists per context, queried with back-off from the most
 * specific context to global, and updated online one event at a time.
 */
import type { Candidate } from '../../domain/candidate.ts';
import type { Interaction, ItemId } from '../../domain/types.ts';
import type { PopularityArtifact } from './artifact.ts';
import { popularityFromArtifact, popularityToArtifact, validatePopularityArtifact } from './artifact.ts';
import type { Season } from './context.ts';
import { contextKeys } from './context.ts';
import type { ContextTable, PopularityState } from './state.ts';
import { scoreOf } from './state.ts';

/** What a popularity query knows about the request; every field is optional (null = unknown). */
export interface PopularityQuery {
  /** The user's home country (same coding as `context.home_country` in the events). */
  country?: string | null | undefined;
  /** Search destination: only items of this destination are returned. */
  destination?: string | null | undefined;
  /** Travel season (see `eventSeason` / `seasonOf` to derive it from a check-in date). */
  season?: Season | null | undefined;
}

/** A context of the back-off chain; `onlyIn` restricts it to the items of one destination. */
interface ChainLink {
  key: string;
  onlyIn?: string;
}

export class PopularityModel {
  private nowMs: number;

  /** Use `PopularityTrainer.build` or `PopularityModel.fromArtifact`; the constructor only assigns. */
  constructor(
    private readonly state: PopularityState,
    now: number,
    /** Contexts absent from the training data, said once (e.g. no home country at all). */
    readonly notes: readonly string[],
  ) {
    this.nowMs = now;
  }

  /** Instant (UTC ms) scores are decayed to: the build `now`, advanced by later online events. */
  get now(): number {
    return this.nowMs;
  }

  /** Counts for logs and benchmarks. */
  stats(): { items: number; contexts: number; entries: number; events: number } {
    let entries = 0;
    for (const t of this.state.tables.values()) entries += t.slots.size;
    return { items: this.state.items.length, contexts: this.state.tables.size, entries, events: this.state.events };
  }

  /**
   * Top-`k` popular items for a request context. With a destination: items of that destination,
   * ranked by their popularity there, then any other item known to be there (by global popularity).
   * Otherwise the chain is country×season → country → season → global: the most specific context
   * with ≥ `minSupport` events comes first, broader ones fill the rest. Each candidate's score is its
   * share of its context's decayed weight, clamped so that scores never increase down the list;
   * its reason names the context. Items for which `exclude` returns true are skipped.
   * At most `maxListSize` items per context are considered.
   */
  query(q: PopularityQuery, k: number, exclude?: (itemId: ItemId) => boolean): Candidate[] {
    const out: Candidate[] = [];
    if (k <= 0) return out;
    const used = new Set<number>();
    let last = Infinity;
    for (const link of this.chain(q)) {
      const t = this.state.tables.get(link.key);
      if (t === undefined || t.mass <= 0) continue;
      for (const idx of t.top) {
        if (used.has(idx)) continue;
        if (link.onlyIn !== undefined && !this.state.inDestination(idx, link.onlyIn)) continue;
        const itemId = this.state.items[idx] as string;
        if (exclude?.(itemId) === true) continue;
        used.add(idx);
        last = Math.min(last, scoreOf(t, idx) / t.mass);
        out.push({ itemId, source: 'popular', score: last, sourceScores: { popular: last }, reasons: [{ kind: 'popular', context: t.key }] });
        if (out.length >= k) return out;
      }
    }
    return out;
  }

  /** The back-off chain for a query, starting at the primary (most specific supported) context. */
  private chain(q: PopularityQuery): ChainLink[] {
    const { country, destination, season } = q;
    if (destination !== undefined && destination !== null) {
      return [{ key: contextKeys.destination(destination) }, { key: contextKeys.global, onlyIn: destination }];
    }
    const keys: string[] = [];
    const hasCountry = country !== undefined && country !== null;
    const hasSeason = season !== undefined && season !== null;
    if (hasCountry && hasSeason) keys.push(contextKeys.countrySeason(country, season));
    if (hasCountry) keys.push(contextKeys.country(country));
    if (hasSeason) keys.push(contextKeys.season(season));
    keys.push(contextKeys.global);
    const primary = keys.findIndex((key) => (this.state.tables.get(key)?.support ?? 0) >= this.state.config.minSupport);
    return keys.slice(primary < 0 ? keys.length - 1 : primary).map((key) => ({ key }));
  }

  /**
   * Count one new event at once (online). Equivalent to having trained on it: scores are in
   * log-time units, so only this event's entries change. `homeCountry` is used when the event's
   * context has no `home_country`. After `fromArtifact`, an item outside a context's stored list
   * starts from its new events only (the artifact keeps `maxListSize` items per context).
   */
  update(event: Interaction, homeCountry?: string | null): void {
    this.state.add(event, homeCountry, (t: ContextTable, idx: number) => this.state.rerank(t, idx));
    if (event.ts > this.nowMs) this.nowMs = event.ts;
  }

  /** Record an item's catalog city: its later events also count for `destination=<city>`. */
  setItemCity(itemId: ItemId, city: string | null): void {
    this.state.setItemCity(itemId, city);
  }

  /** The versioned, JSON-serialisable form ('popularity@1'), scores decayed to `now`. */
  toArtifact(): PopularityArtifact {
    return popularityToArtifact(this.state, this.nowMs, this.notes);
  }

  /** Load a parsed artifact; throws RecsysError(REC_ERR_MODEL_FORMAT) when it is not 'popularity@1'. */
  static fromArtifact(raw: unknown): PopularityModel {
    const a = validatePopularityArtifact(raw);
    return new PopularityModel(popularityFromArtifact(a), a.now, a.notes);
  }
}
