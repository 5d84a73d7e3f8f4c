/**
 * @module data/synthetic/alias
 * Walker/Vose alias samplers: O(1) draws from a discrete distribution, optionally split into
 * groups (e.g. hotels by city) that share one pair of flat arrays.
 */
import type { Rng } from '../../util/rng.ts';

/**
 * Alias tables for members partitioned into groups. Group g owns slots
 * `starts[g] .. starts[g+1]-1`; `members[slot]` is the member index stored in that slot.
 */
export interface GroupedSampler {
  readonly starts: Int32Array;
  readonly members: Int32Array;
  /** Acceptance probability per slot. */
  readonly prob: Float32Array;
  /** Alias slot offset (relative to the group start) per slot. */
  readonly alias: Int32Array;
}

/** Members grouped by `groupOf[member]` (counting sort, stable by member index). */
export function groupMembers(groupOf: ArrayLike<number>, groupCount: number): { starts: Int32Array; members: Int32Array } {
  const starts = new Int32Array(groupCount + 1);
  for (let m = 0; m < groupOf.length; m++) starts[groupOf[m]! + 1]!++;
  for (let g = 0; g < groupCount; g++) starts[g + 1]! += starts[g]!;
  const fill = starts.slice(0, groupCount);
  const members = new Int32Array(groupOf.length);
  for (let m = 0; m < groupOf.length; m++) members[fill[groupOf[m]!]!++] = m;
  return { starts, members };
}

/**
 * Build alias tables over pre-grouped members. `weight(member)` must be ≥ 0; a group whose
 * weights are all zero samples uniformly.
 */
export function buildGroupedSampler(
  groups: { starts: Int32Array; members: Int32Array },
  weight: (member: number) => number,
): GroupedSampler {
  const n = groups.members.length;
  const prob = new Float32Array(n);
  const alias = new Int32Array(n);
  const scaled = new Float64Array(n);
  const small = new Int32Array(n);
  const large = new Int32Array(n);
  for (let g = 0; g + 1 < groups.starts.length; g++) {
    const lo = groups.starts[g]!;
    const hi = groups.starts[g + 1]!;
    let total = 0;
    for (let s = lo; s < hi; s++) total += (scaled[s] = Math.max(0, weight(groups.members[s]!)));
    const size = hi - lo;
    for (let s = lo; s < hi; s++) scaled[s] = total > 0 ? (scaled[s]! * size) / total : 1;
    fillAlias(lo, hi, scaled, prob, alias, small, large);
  }
  return { starts: groups.starts, members: groups.members, prob, alias };
}

/** Vose's algorithm on slots [lo, hi); `scaled` holds weights normalised to mean 1. */
function fillAlias(
  lo: number, hi: number, scaled: Float64Array, prob: Float32Array, alias: Int32Array,
  small: Int32Array, large: Int32Array,
): void {
  let ns = 0;
  let nl = 0;
  for (let s = lo; s < hi; s++) {
    if (scaled[s]! < 1) small[ns++] = s;
    else large[nl++] = s;
  }
  while (ns > 0 && nl > 0) {
    const l = small[--ns]!;
    const g = large[nl - 1]!;
    prob[l] = scaled[l]!;
    alias[l] = g - lo;
    scaled[g] = scaled[g]! + scaled[l]! - 1;
    if (scaled[g] < 1) {
      nl--;
      small[ns++] = g;
    }
  }
  // Leftovers are 1 up to rounding error.
  while (nl > 0) prob[large[--nl]!] = 1;
  while (ns > 0) prob[small[--ns]!] = 1;
  for (let s = lo; s < hi; s++) if (prob[s] === 1) alias[s] = s - lo;
}

/** Draw a member of group `g`, or -1 when the group is empty. */
export function sampleGroup(sampler: GroupedSampler, g: number, rng: Rng): number {
  const lo = sampler.starts[g]!;
  const size = sampler.starts[g + 1]! - lo;
  if (size <= 0) return -1;
  const u = rng.next() * size;
  const k = Math.floor(u);
  const slot = lo + k;
  const pick = u - k < sampler.prob[slot]! ? slot : lo + sampler.alias[slot]!;
  return sampler.members[pick]!;
}

/** Draw a member of group `g` uniformly (ignoring weights), or -1 when the group is empty. */
export function sampleGroupUniform(sampler: GroupedSampler, g: number, rng: Rng): number {
  const lo = sampler.starts[g]!;
  const size = sampler.starts[g + 1]! - lo;
  return size <= 0 ? -1 : sampler.members[lo + rng.int(size)]!;
}

/** Number of members in group `g`. */
export function groupSize(sampler: GroupedSampler, g: number): number {
  return sampler.starts[g + 1]! - sampler.starts[g]!;
}

/** A single (one-group) alias table over members 0..n-1. */
export function buildSampler(n: number, weight: (member: number) => number): GroupedSampler {
  return buildGroupedSampler(groupMembers(new Uint8Array(n), 1), weight);
}
