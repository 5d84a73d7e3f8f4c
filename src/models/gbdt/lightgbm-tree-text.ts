/**
 * @module models/gbdt/lightgbm-tree-text
 * One tree block of LightGBM's text model format (Tree::ToString in src/io/tree.cpp) and its parser.
 * Number formats follow LightGBM: %.17g for threshold / leaf_value / leaf_weight, %g for split_gain
 * (a float), internal_value, internal_weight and shrinkage; empty lines for the node arrays of a
 * single-leaf tree.
 */
import { ERROR_CODES, RecsysError } from '../../errors.ts';
import { formatG, formatG17 } from './c-format.ts';
import type { GbdtTree } from './model.ts';
import { CATEGORICAL_MASK } from './model.ts';

/** A model-format error naming where it happened. */
export function formatError(message: string): RecsysError {
  return new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `lightgbm model: ${message}` });
}

const ints = (a: ArrayLike<number>): string => Array.from(a, (v) => String(v)).join(' ');
const g17 = (a: ArrayLike<number>): string => Array.from(a, formatG17).join(' ');
const g6 = (a: ArrayLike<number>): string => Array.from(a, (v) => formatG(v, 6)).join(' ');
const g6f = (a: ArrayLike<number>): string => Array.from(a, (v) => formatG(Math.fround(v), 6)).join(' ');

/** Body of a tree block (num_leaves=… through shrinkage=…, then a blank line), as LightGBM writes it. */
export function treeToString(t: GbdtTree): string {
  const lines = [
    `num_leaves=${t.numLeaves}`,
    'num_cat=0',
    `split_feature=${ints(t.splitFeature)}`,
    `split_gain=${g6f(t.splitGain)}`,
    `threshold=${g17(t.threshold)}`,
    `decision_type=${ints(t.decisionType)}`,
    `left_child=${ints(t.leftChild)}`,
    `right_child=${ints(t.rightChild)}`,
    `leaf_value=${g17(t.leafValue)}`,
    `leaf_weight=${g17(t.leafWeight)}`,
    `leaf_count=${ints(t.leafCount)}`,
    `internal_value=${g6(t.internalValue)}`,
    `internal_weight=${g6(t.internalWeight)}`,
    `internal_count=${ints(t.internalCount)}`,
    'is_linear=0',
    `shrinkage=${formatG(t.shrinkage, 6)}`,
  ];
  return `${lines.join('\n')}\n\n`;
}

function parseNumber(token: string, where: string): number {
  const lower = token.toLowerCase();
  if (lower === 'nan' || lower === '-nan') return NaN;
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  const v = Number(token);
  if (token === '' || Number.isNaN(v)) throw formatError(`${where}: "${token}" is not a number`);
  return v;
}

function numbers(kv: ReadonlyMap<string, string>, key: string, n: number, where: string, required: boolean): number[] {
  const raw = kv.get(key);
  if (raw === undefined) {
    if (required && n > 0) throw formatError(`${where}: missing ${key}`);
    return new Array<number>(n).fill(0);
  }
  const tokens = raw.split(/\s+/).filter((s) => s !== '');
  if (tokens.length !== n) throw formatError(`${where}: ${key} has ${tokens.length} values, expected ${n}`);
  return tokens.map((s) => parseNumber(s, `${where} ${key}`));
}

function checkStructure(t: GbdtTree, numFeatures: number, where: string): void {
  const m = t.numLeaves - 1;
  for (let i = 0; i < m; i++) {
    const f = t.splitFeature[i]!;
    if (!Number.isInteger(f) || f < 0 || f >= numFeatures) throw formatError(`${where}: split_feature ${f} outside 0..${numFeatures - 1}`);
    if ((t.decisionType[i]! & CATEGORICAL_MASK) !== 0) throw formatError(`${where}: categorical split at node ${i} is not supported`);
    for (const c of [t.leftChild[i]!, t.rightChild[i]!]) {
      const ok = c >= 0 ? c > i && c < m : ~c < t.numLeaves;
      if (!ok) throw formatError(`${where}: node ${i} has invalid child ${c}`);
    }
  }
}

/** LightGBM reads only leaf_value of a single-leaf tree: its other fields may be empty or absent. */
function lenient(read: () => number[], n: number): number[] {
  try {
    return read();
  } catch {
    return new Array<number>(n).fill(0);
  }
}

/** Parses the key=value lines of one tree block into a GbdtTree; `where` is e.g. "Tree=3". */
export function parseTree(kv: ReadonlyMap<string, string>, numFeatures: number, where: string): GbdtTree {
  const numLeaves = parseNumber(kv.get('num_leaves') ?? '', `${where} num_leaves`);
  if (!Number.isInteger(numLeaves) || numLeaves < 1) throw formatError(`${where}: num_leaves=${numLeaves}`);
  const numCat = Number(kv.get('num_cat') ?? '0');
  if (numCat > 0) throw formatError(`${where}: categorical splits (num_cat=${numCat}) are not supported`);
  if (Number(kv.get('is_linear') ?? '0') !== 0) throw formatError(`${where}: linear trees (is_linear=1) are not supported`);
  const n = numLeaves;
  const m = numLeaves - 1;
  const req = (key: string, len: number): number[] => numbers(kv, key, len, where, true);
  const opt = (key: string, len: number): number[] => numbers(kv, key, len, where, false);
  const tree: GbdtTree = {
    numLeaves,
    splitFeature: Int32Array.from(req('split_feature', m)),
    splitGain: Float64Array.from(opt('split_gain', m)),
    threshold: Float64Array.from(req('threshold', m)),
    decisionType: Uint8Array.from(opt('decision_type', m)),
    leftChild: Int32Array.from(req('left_child', m)),
    rightChild: Int32Array.from(req('right_child', m)),
    leafValue: Float64Array.from(req('leaf_value', n)),
    leafWeight: Float64Array.from(m === 0 ? lenient(() => opt('leaf_weight', n), n) : opt('leaf_weight', n)),
    leafCount: Int32Array.from(m === 0 ? lenient(() => opt('leaf_count', n), n) : opt('leaf_count', n)),
    internalValue: Float64Array.from(opt('internal_value', m)),
    internalWeight: Float64Array.from(opt('internal_weight', m)),
    internalCount: Int32Array.from(opt('internal_count', m)),
    shrinkage: parseNumber(kv.get('shrinkage') ?? '1', `${where} shrinkage`),
  };
  checkStructure(tree, numFeatures, where);
  return tree;
}
