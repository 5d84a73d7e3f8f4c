/**
 * @module adapters/ann/clustered-vectors
 * Seeded, clustered, L2-normalised vectors shaped like two-tower embeddings, plus recall@k: the
 * fixture behind the VectorIndex recall contract and bench/ann.ts. No I/O.
 */
import { createRng, deriveSeed } from '../../util/rng.ts';
import type { Rng } from '../../util/rng.ts';

/** How a clustered dataset is drawn; every field but `n` and `dim` has a default. */
export interface ClusteredVectorsOptions {
  /** Number of vectors (rows). */
  n: number;
  /** Dimensions per vector. */
  dim: number;
  /** Number of top-level clusters (think countries); default round(sqrt(n) / 4), at least 4. */
  clusters?: number;
  /** Sub-clusters per cluster (think cities); default 16. */
  subClusters?: number;
  /** Dimensions of the latent space the clusters live in (≤ dim); default 16. */
  latentDim?: number;
  /** Per-latent-dimension std-dev of a sub-cluster centre around its unit cluster centre; default 0.15. */
  clusterSpread?: number;
  /** Per-latent-dimension std-dev of a vector around its sub-cluster centre; default 0.1. */
  itemSpread?: number;
  /** Per-dimension std-dev of the isotropic noise added after the projection; default 0.02. */
  noise?: number;
  /** Number of user-like query vectors drawn from the same mixture (see drawQueries); default 0. */
  queries?: number;
  /** Seed of everything; same options → same bytes. */
  seed?: number | string;
}

/** A dataset and queries drawn from the same mixture, both row-major with unit rows. */
export interface ClusteredVectors {
  vectors: Float32Array;
  queries: Float32Array;
}

/** Scales a row in place to unit L2 norm (a zero row stays zero). */
export function normalizeRow(v: Float32Array, offset: number, dim: number): void {
  let s = 0;
  for (let j = 0; j < dim; j++) {
    const x = v[offset + j] as number;
    s += x * x;
  }
  if (s === 0) return;
  const inv = 1 / Math.sqrt(s);
  for (let j = 0; j < dim; j++) v[offset + j] = (v[offset + j] as number) * inv;
}

function gaussianRows(rng: Rng, rows: number, dim: number, around: Float32Array | null, sd: number, parents: Uint32Array | null): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    const base = parents === null ? -1 : (parents[i] as number) * dim;
    for (let j = 0; j < dim; j++) {
      out[i * dim + j] = (around === null ? 0 : (around[base + j] as number)) + sd * rng.normal();
    }
  }
  return out;
}

/** Zipf-like weights 1/(i+1)^0.7 turned into a cumulative table, so cluster sizes are skewed. */
function skewedCdf(n: number): Float64Array {
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) cdf[i] = acc += 1 / Math.pow(i + 1, 0.7);
  for (let i = 0; i < n; i++) cdf[i] = (cdf[i] as number) / acc;
  return cdf;
}

function pick(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cdf[mid] as number) < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Row-major n×dim unit vectors shaped like learned embeddings: a two-level mixture (cluster
 * centres, sub-cluster centres around them, rows around those, with skewed cluster sizes) drawn in
 * a `latentDim`-dimensional space, mapped to `dim` by a fixed random linear map, plus isotropic
 * noise, each row normalised. Learned embeddings have a fast-decaying spectrum (low intrinsic
 * dimension) and dense neighbourhoods; uniform noise has neither and misstates ANN recall.
 * Same options → same bytes.
 */
export function clusteredVectors(opts: ClusteredVectorsOptions): ClusteredVectors {
  const { n, dim } = opts;
  const latent = Math.min(dim, opts.latentDim ?? 16);
  const clusters = opts.clusters ?? Math.max(4, Math.round(Math.sqrt(n) / 4));
  const subs = opts.subClusters ?? 16;
  const seed = opts.seed ?? 'clustered-vectors';
  const centreRng = createRng(deriveSeed(seed, 'centres'));
  const top = gaussianRows(centreRng, clusters, latent, null, 1, null);
  for (let c = 0; c < clusters; c++) normalizeRow(top, c * latent, latent);
  const subParents = new Uint32Array(clusters * subs);
  for (let s = 0; s < subParents.length; s++) subParents[s] = Math.floor(s / subs);
  const subCentres = gaussianRows(centreRng, clusters * subs, latent, top, opts.clusterSpread ?? 0.15, subParents);
  const projection = gaussianRows(centreRng, latent, dim, null, 1 / Math.sqrt(latent), null);
  const mixture: Mixture = {
    dim, latent, subs, subCentres, projection, topCdf: skewedCdf(clusters), subCdf: skewedCdf(subs),
    itemSpread: opts.itemSpread ?? 0.1, noise: opts.noise ?? 0.02,
  };
  return {
    vectors: drawRows(mixture, n, createRng(deriveSeed(seed, 'items'))),
    queries: drawQueries(mixture, opts.queries ?? 0, createRng(deriveSeed(seed, 'queries'))),
  };
}

interface Mixture {
  dim: number;
  latent: number;
  subs: number;
  subCentres: Float32Array;
  projection: Float32Array;
  topCdf: Float64Array;
  subCdf: Float64Array;
  itemSpread: number;
  noise: number;
}

/** Adds `weight` × one draw of the mixture (latent point, projected, plus noise) into rows[o…o+dim). */
function addDraw(m: Mixture, rng: Rng, rows: Float32Array, o: number, weight: number, z: Float64Array): void {
  const { dim, latent } = m;
  const sub = (pick(m.topCdf, rng.next()) * m.subs + pick(m.subCdf, rng.next())) * latent;
  for (let l = 0; l < latent; l++) z[l] = weight * ((m.subCentres[sub + l] as number) + m.itemSpread * rng.normal());
  for (let j = 0; j < dim; j++) rows[o + j] = (rows[o + j] as number) + weight * m.noise * rng.normal();
  for (let l = 0; l < latent; l++) {
    const zl = z[l] as number;
    const p = l * dim;
    for (let j = 0; j < dim; j++) rows[o + j] = (rows[o + j] as number) + zl * (m.projection[p + j] as number);
  }
}

function drawRows(m: Mixture, n: number, rng: Rng): Float32Array {
  const rows = new Float32Array(n * m.dim);
  const z = new Float64Array(m.latent);
  for (let i = 0; i < n; i++) {
    addDraw(m, rng, rows, i * m.dim, 1, z);
    normalizeRow(rows, i * m.dim, m.dim);
  }
  return rows;
}

/**
 * User-like queries: a weighted blend of 1–3 draws (a user with several interests), normalised.
 * They fall between clusters more often than items do, which is where graph search struggles.
 */
function drawQueries(m: Mixture, n: number, rng: Rng): Float32Array {
  const rows = new Float32Array(n * m.dim);
  const z = new Float64Array(m.latent);
  for (let i = 0; i < n; i++) {
    const interests = 1 + rng.int(3);
    for (let t = 0; t < interests; t++) addDraw(m, rng, rows, i * m.dim, 0.5 + 0.5 * rng.next(), z);
    normalizeRow(rows, i * m.dim, m.dim);
  }
  return rows;
}

/**
 * Mean over queries of |approx ∩ exact| / |exact|, where exact[i] holds the true top-k ids of
 * query i (an empty exact list counts as recall 1).
 */
export function recallAtK<Id>(approx: readonly (readonly Id[])[], exact: readonly (readonly Id[])[]): number {
  if (exact.length === 0) return 1;
  let sum = 0;
  for (let q = 0; q < exact.length; q++) {
    const truth = exact[q] ?? [];
    if (truth.length === 0) {
      sum += 1;
      continue;
    }
    const got = new Set(approx[q] ?? []);
    let hit = 0;
    for (const id of truth) if (got.has(id)) hit++;
    sum += hit / truth.length;
  }
  return sum / exact.length;
}
