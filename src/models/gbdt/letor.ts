/**
 * @module models/gbdt/letor
 * Streaming reader of LETOR / SVMlight text (`label [qid:Q] idx:value … [# comment]`) into a dense
 * GbdtDataset with LightGBM's semantics: indices are column numbers as given (a 1-based file leaves
 * column 0 empty), absent features are 0, and a LightGBM `.query` side file (one group size per
 * line) takes precedence over qid tokens. Query groups must be contiguous.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { InvalidInputError } from '../../errors.ts';
import type { GbdtDataset } from './dataset.ts';
import { createDataset } from './dataset.ts';

/** Options of the LETOR reader. */
export interface LetorOptions {
  /** Fixed column count: indices ≥ numFeatures are ignored (e.g. when scoring with a model). */
  numFeatures?: number;
  /** Name used in error messages (the file path). */
  source?: string;
}

/** A growable typed buffer, so large files do not build per-value JS objects. */
class Growable<T extends Float32Array | Float64Array | Int32Array> {
  length = 0;
  constructor(private data: T, private readonly make: (n: number) => T) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  get(i: number): number {
    return this.data[i]!;
  }
}

const float32 = (n: number): Float32Array => new Float32Array(n);
const float64 = (n: number): Float64Array => new Float64Array(n);
const int32 = (n: number): Int32Array => new Int32Array(n);

function parseValue(token: string): number {
  const t = token.toLowerCase();
  if (t === 'nan' || t === 'na' || t === 'null') return NaN;
  return token === '' ? NaN : Number(token);
}

/** Line-by-line parser; feed lines with {@link pushLine}, then call {@link finish}. */
export class LetorParser {
  private lineNo = 0;
  private readonly labels = new Growable(float32(1024), float32);
  private readonly rowEnd = new Growable(int32(1024), int32);
  private readonly cols = new Growable(int32(4096), int32);
  private readonly vals = new Growable(float64(4096), float64);
  private readonly qidGroups: number[] = [];
  private readonly seenQids = new Set<string>();
  private lastQid: string | null = null;
  private rowsWithQid = 0;
  private maxIndex = -1;

  constructor(private readonly opts: LetorOptions = {}) {}

  private fail(message: string): never {
    throw new InvalidInputError(`${this.opts.source ?? 'letor'} line ${this.lineNo}: ${message}`);
  }

  /** Parses one line (comments after '#' and blank lines are skipped). */
  pushLine(raw: string): void {
    this.lineNo++;
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (line === '') return;
    const tokens = line.split(/\s+/);
    const label = Number(tokens[0]);
    if (!Number.isFinite(label)) this.fail(`label "${tokens[0]}" is not a number`);
    let qid: string | null = null;
    for (let i = 1; i < tokens.length; i++) {
      const tok = tokens[i]!;
      const colon = tok.indexOf(':');
      if (colon <= 0) this.fail(`token "${tok}" is not idx:value`);
      const key = tok.slice(0, colon);
      const value = tok.slice(colon + 1);
      if (key === 'qid') {
        if (i !== 1 || value === '') this.fail(`misplaced or empty "${tok}"`);
        qid = value;
        continue;
      }
      const idx = Number(key);
      const v = parseValue(value);
      if (!Number.isInteger(idx) || idx < 0 || !/^\d+$/.test(key)) this.fail(`feature index "${key}" is not a non-negative integer`);
      if (Number.isNaN(v) && !/^(nan|na|null)$/i.test(value)) this.fail(`value "${value}" of feature ${key} is not a number`);
      if (this.opts.numFeatures !== undefined && idx >= this.opts.numFeatures) continue;
      this.cols.push(idx);
      this.vals.push(v);
      if (idx > this.maxIndex) this.maxIndex = idx;
    }
    this.trackQuery(qid);
    this.labels.push(label);
    this.rowEnd.push(this.cols.length);
  }

  private trackQuery(qid: string | null): void {
    const rows = this.labels.length;
    if (qid === null) {
      if (this.rowsWithQid > 0) this.fail('row has no qid while earlier rows have one');
      return;
    }
    if (this.rowsWithQid !== rows) this.fail(`qid:${qid} appears after rows without qid`);
    this.rowsWithQid++;
    if (qid === this.lastQid) {
      this.qidGroups[this.qidGroups.length - 1]!++;
      return;
    }
    if (this.seenQids.has(qid)) this.fail(`qid:${qid} is not contiguous (its rows must be adjacent)`);
    this.seenQids.add(qid);
    this.lastQid = qid;
    this.qidGroups.push(1);
  }

  private width(): number {
    return this.opts.numFeatures ?? Math.max(1, this.maxIndex + 1);
  }

  private fill<T extends Float32Array | Float64Array>(features: T, nf: number): T {
    let k = 0;
    for (let r = 0; r < this.labels.length; r++) {
      const end = this.rowEnd.get(r);
      for (; k < end; k++) features[r * nf + this.cols.get(k)] = this.vals.get(k);
    }
    return features;
  }

  /** The dataset; `groups` (from a .query file) override qid tokens. */
  finish(groups?: Int32Array): GbdtDataset {
    const numRows = this.labels.length;
    const nf = this.width();
    const features = this.fill(new Float32Array(numRows * nf), nf);
    const labels = Float32Array.from({ length: numRows }, (_, r) => this.labels.get(r));
    const q = groups ?? (this.qidGroups.length > 0 ? Int32Array.from(this.qidGroups) : undefined);
    if (groups !== undefined) {
      let sum = 0;
      for (const g of groups) sum += g;
      if (sum !== numRows) throw new InvalidInputError(`${this.opts.source ?? 'letor'}: query file groups sum to ${sum} rows, data has ${numRows}`);
    }
    return createDataset({ features, labels, numFeatures: nf, ...(q === undefined ? {} : { groups: q }) });
  }

  /**
   * Rows as doubles, exactly as written in the file: what LightGBM's own predictor scores, so
   * thresholds learned from double-valued data route these rows exactly as LightGBM would.
   */
  finishFloat64(): { numRows: number; numFeatures: number; features: Float64Array } {
    const nf = this.width();
    return { numRows: this.labels.length, numFeatures: nf, features: this.fill(new Float64Array(this.labels.length * nf), nf) };
  }
}

/** Parses LETOR text held in memory. */
export function parseLetor(text: string, opts: LetorOptions = {}, groups?: Int32Array): GbdtDataset {
  const parser = new LetorParser(opts);
  for (const line of text.split(/\r?\n/)) parser.pushLine(line);
  return parser.finish(groups);
}

/** Parses a LightGBM `.query` file: one positive group size per line (blank lines ignored). */
export function parseQueryFile(text: string, source = 'query file'): Int32Array {
  const sizes: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const n = Number(line);
    if (!Number.isInteger(n) || n < 1) throw new InvalidInputError(`${source} line ${i + 1}: "${line}" is not a positive group size`);
    sizes.push(n);
  });
  return Int32Array.from(sizes);
}

async function streamInto(path: string, parser: LetorParser): Promise<LetorParser> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) parser.pushLine(line);
  return parser;
}

/** Streams a LETOR file from disk (optionally with a `.query` file of group sizes). */
export async function readLetorFile(path: string, opts: LetorOptions & { queryFile?: string } = {}): Promise<GbdtDataset> {
  const groups = opts.queryFile === undefined ? undefined : parseQueryFile(await readFile(opts.queryFile, 'utf8'), opts.queryFile);
  return (await streamInto(path, new LetorParser({ ...opts, source: opts.source ?? path }))).finish(groups);
}

/** Streams a LETOR file into double-precision rows for scoring (labels and qids are checked, then dropped). */
export async function readLetorRows(path: string, opts: LetorOptions = {}): Promise<ReturnType<LetorParser['finishFloat64']>> {
  return (await streamInto(path, new LetorParser({ ...opts, source: opts.source ?? path }))).finishFloat64();
}
