/**
 * @module data/synthetic/sessions
 * The session simulator: a user plans or resumes a trip (seasonal destination choice), searches a
 * city, sees a ranked list of its hotels, clicks by position bias × hidden utility (less for a hotel that
 * looks like one listed above it), maybe books.
 */
import type { Attributes, EventType, Interaction } from '../../domain/types.ts';
import { exponential, gumbel, lognormal, type Rng } from '../../util/rng.ts';
import { groupSize, sampleGroup, sampleGroupUniform } from './alias.ts';
import { INVALID, UNAVAILABLE } from './catalog.ts';
import { COUNTRIES, DEST_TYPES, seasonName } from './geo.ts';
import { DEVICES } from './population.ts';
import { DAY_MS } from './timeline.ts';
import { MAX_LEAD_DAYS, type World } from './world.ts';

/** Click threshold on utility: the logit of a click at position 1 is utility − CLICK_BIAS. */
const CLICK_BIAS = 1.8;
/** Extra logit for hotels the user clicked in an earlier session of the same trip. */
const RECLICK_BOOST = 2.0;
/** Examination probability at 0-based position p is 1 / (1 + EXAM_DECAY·p). */
const EXAM_DECAY = 0.2;
/** Utility of not booking anything (compared after Gumbel noise). */
const OUTSIDE_UTILITY = 0.5;
/**
 * Click logit a hotel loses when a hotel listed above it resembles it fully (see resemblance): a user
 * scanning a list passes over more of the same (a second hotel of a chain already listed, another
 * 3-star at the same price), the redundancy that diversity in a result list exists to avoid.
 */
const REDUNDANCY = 1.5;
/** Prices within this log-ratio (15 %) look alike. */
const PRICE_ALIKE = Math.log(1.15);

/**
 * How much a hotel listed above another makes that one look like more of the same: 1 for the same chain,
 * 0.5 for the same stars at a price within 15 %, else 0. Prices are nightly, > 0.
 */
export function resemblance(sameChain: boolean, starsA: number, starsB: number, priceA: number, priceB: number): number {
  if (sameChain) return 1;
  return starsA === starsB && Math.abs(Math.log(priceA / priceB)) < PRICE_ALIKE ? 0.5 : 0;
}

/**
 * The generator's probability that a user clicks a hotel of this true utility once they examine it (a new
 * hotel; a re-shown recent click gets RECLICK_BOOST on top), given the largest resemblance of a hotel
 * listed above it (0 without context). Evaluations on synthetic data use it as the noise-free relevance
 * of a candidate in the list a stage serves.
 */
export function examinedClickProbability(utility: number, redundancy = 0): number {
  return 1 / (1 + Math.exp(-(utility - CLICK_BIAS - REDUNDANCY * redundancy)));
}
const MAX_SHOWN = 25;
const RECENT = 4;
const NIGHTS = [0.22, 0.24, 0.18, 0.1, 0.07, 0.04, 0.08, 0.02, 0.01, 0.01, 0.01, 0.005, 0.005, 0.01];
const PARTY = [0.24, 0.46, 0.1, 0.13, 0.04, 0.03];

function pick(rng: Rng, weights: readonly number[]): number {
  let u = rng.next();
  for (let i = 0; i < weights.length; i++) if ((u -= weights[i]!) < 0) return i;
  return weights.length - 1;
}

/** Per-user trip in progress (city -1: none) and the hotels clicked during it. */
export interface TripState {
  city: Int32Array;
  /** Check-in, UTC epoch day. */
  checkin: Int32Array;
  nights: Uint8Array;
  party: Uint8Array;
  /** `users × RECENT` hotel indices, most recent first; `recentN` are valid per user. */
  recent: Int32Array;
  recentN: Uint8Array;
}

/** A fresh simulator over `world` drawing from `rng`; no user has a trip in progress yet. */
export function createSessionSimulator(world: World, rng: Rng): SessionSimulator {
  const n = world.users.count;
  const state: TripState = {
    city: new Int32Array(n).fill(-1), checkin: new Int32Array(n), nights: new Uint8Array(n),
    party: new Uint8Array(n), recent: new Int32Array(n * RECENT), recentN: new Uint8Array(n),
  };
  return new SessionSimulator(world, rng, state);
}

function contains(list: Int32Array, n: number, value: number): boolean {
  for (let i = 0; i < n; i++) if (list[i] === value) return true;
  return false;
}

/** Simulates sessions one at a time; trips and recently clicked hotels persist per user. */
export class SessionSimulator {
  private readonly tripCity: Int32Array;
  private readonly tripCheckin: Int32Array;
  private readonly tripNights: Uint8Array;
  private readonly tripParty: Uint8Array;
  private readonly recent: Int32Array;
  private readonly recentN: Uint8Array;
  private readonly shown = new Int32Array(MAX_SHOWN);
  private readonly score = new Float64Array(MAX_SHOWN);
  private readonly util = new Float64Array(MAX_SHOWN);
  /** Per position: the largest resemblance of a hotel above it. */
  private readonly redundancy = new Float64Array(MAX_SHOWN);
  private readonly clicked = new Int32Array(MAX_SHOWN);
  private shownN = 0;
  private recentShownN = 0;
  private clickedN = 0;
  private sessionNo = 0;
  private user = 0;
  private isReturn = false;
  private userId = '';
  private sessionId = '';
  private dest = '';
  private checkinIso = '';
  private checkoutIso = '';
  private device = '';
  private home = '';

  constructor(private readonly world: World, private readonly rng: Rng, state: TripState) {
    this.tripCity = state.city;
    this.tripCheckin = state.checkin;
    this.tripNights = state.nights;
    this.tripParty = state.party;
    this.recent = state.recent;
    this.recentN = state.recentN;
  }

  /** Append the events of one session starting at `t0` (UTC ms) to `out`; event ids are left empty. */
  run(t0: number, out: Interaction[]): void {
    const end = this.world.timeline.endTs - 1;
    this.beginSession(sampleGroup(this.world.activeUsers, 0, this.rng), t0);
    out.push(this.event('search', this.dest, null, t0, this.searchContext()));
    this.pickImpressions();
    const tShown = Math.min(end, t0 + 300 + this.rng.int(2000));
    for (let p = 0; p < this.shownN; p++) out.push(this.event('impression', 'h' + this.shown[p]!, p + 1, tShown, this.context()));
    const tLast = this.emitClicks(tShown, out);
    if (!this.maybeBook(tLast, out)) this.remember();
  }

  private beginSession(u: number, t0: number): void {
    const w = this.world;
    const nowDay = Math.floor(t0 / DAY_MS);
    this.user = u;
    this.isReturn = this.tripCity[u]! >= 0 && this.tripCheckin[u]! > nowDay && this.rng.next() < 0.6;
    if (!this.isReturn) this.planTrip(u, nowDay);
    const checkin = this.tripCheckin[u]!;
    this.userId = 'u' + u;
    this.sessionId = `syn:${w.options.seed}:s${this.sessionNo++}`;
    this.dest = 'c' + this.tripCity[u]!;
    this.checkinIso = w.calendar.iso(checkin);
    this.checkoutIso = w.calendar.iso(checkin + this.tripNights[u]!);
    const primary = w.users.device[u]!;
    this.device = DEVICES[this.rng.next() < 0.85 ? primary : this.rng.int(DEVICES.length)]!;
    this.home = COUNTRIES[w.users.homeCountry[u]!]!.code;
  }

  private planTrip(u: number, nowDay: number): void {
    const lead = Math.min(MAX_LEAD_DAYS, Math.floor(lognormal(this.rng, 2.9, 1.0)));
    const checkin = nowDay + lead;
    this.tripCheckin[u] = checkin;
    this.tripCity[u] = this.pickDestination(u, this.world.calendar.month(checkin));
    this.tripNights[u] = 1 + pick(this.rng, NIGHTS);
    this.tripParty[u] = 1 + pick(this.rng, PARTY);
    this.recentN[u] = 0;
  }

  /** Domestic trips ~22 % of the time; otherwise a type by affinity × season, then a city by popularity × season. */
  private pickDestination(u: number, month: number): number {
    const w = this.world;
    if (this.rng.next() < 0.22) {
      const c = sampleGroup(w.citiesByCountryMonth[month]!, w.users.homeCountry[u]!, this.rng);
      if (c >= 0) return c;
    }
    const nt = DEST_TYPES.length;
    let total = 0;
    for (let t = 0; t < nt; t++) total += w.users.typeAffinity[u * nt + t]! * w.typeSeason[month * nt + t]!;
    let x = this.rng.next() * total;
    let type = 0;
    while (type < nt - 1 && (x -= w.users.typeAffinity[u * nt + type]! * w.typeSeason[month * nt + type]!) >= 0) type++;
    const c = sampleGroup(w.citiesByTypeMonth[month]!, type, this.rng);
    return c >= 0 ? c : sampleGroup(w.citiesByMonth[month]!, 0, this.rng);
  }

  private context(): Attributes {
    return {
      destination: this.dest, checkin: this.checkinIso, checkout: this.checkoutIso, device: this.device,
      party_size: this.tripParty[this.user]!, home_country: this.home,
    };
  }

  private searchContext(): Attributes {
    const w = this.world;
    const city = this.tripCity[this.user]!;
    const month = w.calendar.month(this.tripCheckin[this.user]!);
    const climate = COUNTRIES[w.cities.country[city]!]!.climate;
    return { ...this.context(), month: month + 1, season: seasonName(climate, month) };
  }

  private event(type: EventType, itemId: string, value: number | null, ts: number, context: Attributes): Interaction {
    return { eventId: '', userId: this.userId, itemId, type, value, ts, sessionId: this.sessionId, context };
  }

  /** Recently clicked hotels first (on a return visit), then a popularity/random mix ranked by a noisy popularity score. */
  private pickImpressions(): void {
    const { hotels } = this.world;
    const u = this.user;
    const city = this.tripCity[u]!;
    let n = 0;
    if (this.isReturn) for (let r = 0; r < this.recentN[u]!; r++) this.shown[n++] = this.recent[u * RECENT + r]!;
    this.recentShownN = n;
    const target = Math.max(n, Math.min(groupSize(hotels.byCity, city), 10 + this.rng.int(16)));
    for (let tries = 0; n < target && tries < 4 * target + 8; tries++) {
      const h = this.rng.next() < 0.7 ? sampleGroup(hotels.byCity, city, this.rng) : sampleGroupUniform(hotels.byCity, city, this.rng);
      if (hotels.status[h]! & INVALID || contains(this.shown, n, h)) continue;
      this.score[n] = hotels.logPop[h]! + 0.6 * this.rng.normal();
      this.shown[n++] = h;
    }
    this.shownN = n;
    this.sortByScore(this.recentShownN, n);
    for (let p = 0; p < n; p++) this.util[p] = this.world.truth.utility(u, this.shown[p]!);
    for (let p = 0; p < n; p++) {
      const a = this.shown[p]!;
      let most = 0;
      for (let q = 0; q < p && most < 1; q++) {
        const b = this.shown[q]!;
        most = Math.max(most, resemblance(hotels.chain[a]! >= 0 && hotels.chain[a] === hotels.chain[b], hotels.stars[a]!, hotels.stars[b]!, hotels.price[a]!, hotels.price[b]!));
      }
      this.redundancy[p] = most;
    }
  }

  /** Insertion sort of positions [lo, hi) by descending score (lists are ≤ 25 long). */
  private sortByScore(lo: number, hi: number): void {
    for (let i = lo + 1; i < hi; i++) {
      const s = this.score[i]!;
      const h = this.shown[i]!;
      let j = i - 1;
      for (; j >= lo && this.score[j]! < s; j--) {
        this.score[j + 1] = this.score[j]!;
        this.shown[j + 1] = this.shown[j]!;
      }
      this.score[j + 1] = s;
      this.shown[j + 1] = h;
    }
  }

  private emitClicks(t: number, out: Interaction[]): number {
    const end = this.world.timeline.endTs - 1;
    this.clickedN = 0;
    for (let p = 0; p < this.shownN; p++) {
      const again = p < this.recentShownN;
      const logit = this.util[p]! - CLICK_BIAS - REDUNDANCY * this.redundancy[p]! + (again ? RECLICK_BOOST : 0);
      const exam = again ? 1 : 1 / (1 + EXAM_DECAY * p);
      if (this.rng.next() >= exam / (1 + Math.exp(-logit))) continue;
      t = Math.min(end, t + 5000 + Math.floor(exponential(this.rng, 35_000)));
      out.push(this.event('click', 'h' + this.shown[p]!, p + 1, t, this.context()));
      this.clicked[this.clickedN++] = p;
    }
    return t;
  }

  /** A choice among clicked, available hotels and "no booking" (Gumbel-max = softmax). */
  private maybeBook(t: number, out: Interaction[]): boolean {
    if (this.clickedN === 0 || this.rng.next() >= (this.isReturn ? 0.35 : 0.15)) return false;
    const { hotels } = this.world;
    let best = -1;
    let bestScore = OUTSIDE_UTILITY + gumbel(this.rng);
    for (let k = 0; k < this.clickedN; k++) {
      const p = this.clicked[k]!;
      if (hotels.status[this.shown[p]!]! & UNAVAILABLE) continue;
      const s = this.util[p]! + gumbel(this.rng);
      if (s > bestScore) [best, bestScore] = [p, s];
    }
    if (best < 0) return false;
    const u = this.user;
    const h = this.shown[best]!;
    const rooms = Math.ceil(this.tripParty[u]! / 2);
    const value = Math.round(hotels.price[h]! * this.tripNights[u]! * rooms * 100) / 100;
    const ts = Math.min(this.world.timeline.endTs - 1, t + 60_000 + Math.floor(exponential(this.rng, 240_000)));
    out.push(this.event('booking', 'h' + h, value, ts, this.context()));
    this.tripCity[u] = -1;
    this.recentN[u] = 0;
    return true;
  }

  /** Keep the latest clicked hotels of this trip (most recent first, no duplicates). */
  private remember(): void {
    const u = this.user;
    const base = u * RECENT;
    for (let k = 0; k < this.clickedN; k++) {
      const h = this.shown[this.clicked[k]!]!;
      let n = this.recentN[u]!;
      let at = 0;
      while (at < n && this.recent[base + at] !== h) at++;
      if (at === n) n = Math.min(RECENT, n + 1);
      for (let j = Math.min(at, RECENT - 1); j > 0; j--) this.recent[base + j] = this.recent[base + j - 1]!;
      this.recent[base] = h;
      this.recentN[u] = n;
    }
  }
}
