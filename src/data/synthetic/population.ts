/**
 * @module data/synthetic/population
 * The synthetic demand side: users with a skewed home country, a device, power-law activity,
 * destination-type affinities, latent tastes and price/star preferences (the last two hidden).
 */
import { normal, pareto, type Rng } from '../../util/rng.ts';
import { buildSampler, sampleGroup } from './alias.ts';
import { BASE_LOG_PRICE } from './catalog.ts';
import { COUNTRIES, DEST_TYPES } from './geo.ts';
import { mixVector } from './latent.ts';
import { USER_PREF_STRIDE } from './truth.ts';

export const DEVICES = ['mobile', 'desktop', 'tablet'] as const;
export const AGE_BANDS = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const;
const DEVICE_WEIGHTS = [0.55, 0.38, 0.07];
const AGE_WEIGHTS = [0.1, 0.27, 0.24, 0.18, 0.13, 0.08];
/** Mean share of each destination type in users' affinities (city, beach, ski). */
const TYPE_BASE = [0.5, 0.35, 0.15];
/** Pareto tail index of user activity: most users are light, a few are heavy. */
const ACTIVITY_ALPHA = 1.5;
const ACTIVITY_CAP = 2000;

export interface Population {
  count: number;
  homeCountry: Uint8Array;
  /** Primary device (index into DEVICES); sessions use it ~85 % of the time. */
  device: Uint8Array;
  ageBand: Uint8Array;
  /** Relative session rate (Pareto, ≥ 1). */
  activity: Float32Array;
  /** `count × DEST_TYPES.length` affinities summing to 1 per user. */
  typeAffinity: Float32Array;
}

function pickWeighted(rng: Rng, weights: readonly number[]): number {
  let u = rng.next();
  for (let i = 0; i < weights.length; i++) if ((u -= weights[i]!) < 0) return i;
  return weights.length - 1;
}

function fillAffinity(rng: Rng, out: Float32Array, user: number): void {
  const nt = DEST_TYPES.length;
  let total = 0;
  for (let t = 0; t < nt; t++) total += (out[user * nt + t] = TYPE_BASE[t]! * Math.exp(1.3 * rng.normal()));
  for (let t = 0; t < nt; t++) out[user * nt + t]! /= total;
}

function fillPrefs(rng: Rng, prefs: Float32Array, user: number, country: number): void {
  const p = user * USER_PREF_STRIDE;
  const logPrice = BASE_LOG_PRICE + 0.5 * COUNTRIES[country]!.priceLevel + normal(rng, 0, 0.45);
  prefs[p] = logPrice;
  prefs[p + 1] = 0.3 + 0.5 * rng.next();
  // Big spenders like more stars, with individual slack.
  prefs[p + 2] = Math.max(1, Math.min(5, 3 + (2 * (logPrice - BASE_LOG_PRICE)) + normal(rng, 0, 0.4)));
  prefs[p + 3] = 0.15 + 0.35 * rng.next();
}

/**
 * Generate `count` users. Writes their latent vectors (`count × dim`) into `userLatent` and their
 * hidden preferences into `userPrefs`.
 */
export function generatePopulation(
  rng: Rng, count: number, dim: number, typeFactors: Float32Array,
  userLatent: Float32Array, userPrefs: Float32Array,
): Population {
  const nt = DEST_TYPES.length;
  const countries = buildSampler(COUNTRIES.length, (i) => COUNTRIES[i]!.sourceWeight);
  const pop: Population = {
    count, homeCountry: new Uint8Array(count), device: new Uint8Array(count), ageBand: new Uint8Array(count),
    activity: new Float32Array(count), typeAffinity: new Float32Array(count * nt),
  };
  const terms = Array.from({ length: nt }, (_, t) => ({ source: typeFactors, row: t, weight: 0 }));
  for (let u = 0; u < count; u++) {
    const country = sampleGroup(countries, 0, rng);
    pop.homeCountry[u] = country;
    pop.device[u] = pickWeighted(rng, DEVICE_WEIGHTS);
    pop.ageBand[u] = pickWeighted(rng, AGE_WEIGHTS);
    pop.activity[u] = pareto(rng, ACTIVITY_ALPHA, ACTIVITY_CAP);
    fillAffinity(rng, pop.typeAffinity, u);
    // Taste = what the user's favourite destination types have in common, plus individual taste.
    for (let t = 0; t < nt; t++) terms[t]!.weight = 0.7 * pop.typeAffinity[u * nt + t]!;
    mixVector(rng, userLatent, u, dim, terms, 0.9);
    fillPrefs(rng, userPrefs, u, country);
  }
  return pop;
}

/** Loyalty tier implied by activity: the top ~2 % are gold, the next ~10 % silver. */
export function loyaltyTier(activity: number): string {
  return activity >= 13.6 ? 'gold' : activity >= 4.1 ? 'silver' : 'member';
}

/** Destination types a user favours (affinity ≥ 0.3), most favoured first. */
export function favouriteTypes(pop: Population, user: number): string[] {
  const nt = DEST_TYPES.length;
  const out: { t: number; w: number }[] = [];
  for (let t = 0; t < nt; t++) {
    const w = pop.typeAffinity[user * nt + t]!;
    if (w >= 0.3) out.push({ t, w });
  }
  return out.sort((a, b) => b.w - a.w).map((x) => DEST_TYPES[x.t]!);
}
