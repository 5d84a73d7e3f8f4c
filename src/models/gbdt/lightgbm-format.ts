/**
 * @module models/gbdt/lightgbm-format
 * LightGBM's text model format (GBDT::SaveModelToString / LoadModelFromString, version v4): writer
 * and reader. tree_sizes holds the UTF-8 byte length of each block "Tree=i\n" + Tree::ToString() + "\n",
 * which LightGBM uses to locate trees when it loads the file. The reader accepts files written by
 * LightGBM itself: unknown keys are ignored, the `pandas_categorical:` trailer is tolerated, and
 * categorical or linear trees are rejected with an error naming the tree.
 */
import { formatG } from './c-format.ts';
import { featureImportance } from './explain.ts';
import { formatError, parseTree, treeToString } from './lightgbm-tree-text.ts';
import type { GbdtModel, GbdtTree, ObjectiveSpec } from './model.ts';

/** The `objective=` value LightGBM writes for an objective. */
export function objectiveString(o: ObjectiveSpec): string {
  return o.name === 'binary' ? `binary sigmoid:${formatG(o.sigmoid, 6)}` : o.name;
}

function parseObjective(raw: string | undefined): ObjectiveSpec {
  if (raw === undefined) return { name: 'regression' };
  const [name, ...rest] = raw.trim().split(/\s+/);
  if (name === 'regression' || name === 'lambdarank') return { name };
  if (name === 'binary') {
    const s = rest.find((t) => t.startsWith('sigmoid:'));
    const sigmoid = s === undefined ? 1 : Number(s.slice('sigmoid:'.length));
    if (!(sigmoid > 0)) throw formatError(`bad sigmoid in objective "${raw}"`);
    return { name: 'binary', sigmoid };
  }
  throw formatError(`objective "${raw}" is not supported (regression, binary, lambdarank)`);
}

/** One tree block exactly as it appears in the file (its byte length goes into tree_sizes). */
function treeBlock(t: GbdtTree, index: number): string {
  return `Tree=${index}\n${treeToString(t)}\n`;
}

function importanceLines(model: GbdtModel): string[] {
  const counts = featureImportance(model, 'split');
  const pairs = model.featureNames.map((name, f) => ({ name, count: Math.trunc(counts[f]!) })).filter((p) => p.count > 0);
  pairs.sort((a, b) => b.count - a.count); // stable: equal counts keep feature order, as std::stable_sort does
  return pairs.map((p) => `${p.name}=${p.count}`);
}

/** The model as LightGBM's text format; LightGBM can load it (LGBM_BoosterCreateFromModelfile). */
export function writeLightGbmModel(model: GbdtModel): string {
  const blocks = model.trees.map(treeBlock);
  const sizes = blocks.map((b) => Buffer.byteLength(b, 'utf8'));
  const header = [
    'tree',
    'version=v4',
    'num_class=1',
    'num_tree_per_iteration=1',
    'label_index=0',
    `max_feature_idx=${model.featureNames.length - 1}`,
    `objective=${objectiveString(model.objective)}`,
    `feature_names=${model.featureNames.join(' ')}`,
    `feature_infos=${model.featureInfos.join(' ')}`,
    `tree_sizes=${sizes.join(' ')}`,
  ];
  const tail = ['end of trees', '', 'feature_importances:', ...importanceLines(model), '', 'parameters:', ...model.parameters, '', 'end of parameters'];
  return `${header.join('\n')}\n\n${blocks.join('')}${tail.join('\n')}\n`;
}

interface Sections {
  header: Map<string, string>;
  trees: { where: string; kv: Map<string, string> }[];
  parameters: string[];
}

function keyValue(line: string): [string, string] {
  const eq = line.indexOf('=');
  return eq < 0 ? [line, ''] : [line.slice(0, eq), line.slice(eq + 1)];
}

/** Splits the file into header keys, tree blocks and the parameters block. */
function sections(text: string): Sections {
  const lines = text.split(/\r?\n/);
  const out: Sections = { header: new Map(), trees: [], parameters: [] };
  let mode: 'header' | 'tree' | 'tail' | 'params' = 'header';
  let current: Map<string, string> | null = null;
  for (const raw of lines) {
    const line = raw.trim();
    if (mode === 'params') {
      if (line === 'end of parameters') mode = 'tail';
      else if (line !== '') out.parameters.push(line);
      continue;
    }
    if (line.startsWith('Tree=') && mode !== 'tail') {
      current = new Map();
      out.trees.push({ where: line, kv: current });
      mode = 'tree';
    } else if (line === 'end of trees') {
      mode = 'tail';
      current = null;
    } else if (line === 'parameters:') {
      mode = 'params';
    } else if (line === '') {
      current = null;
    } else if (mode === 'header') {
      const [k, v] = keyValue(line);
      out.header.set(k, v);
    } else if (mode === 'tree' && current !== null) {
      const [k, v] = keyValue(line);
      current.set(k, v);
    }
  }
  return out;
}

function headerInt(h: ReadonlyMap<string, string>, key: string, fallback?: number): number {
  const raw = h.get(key);
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw formatError(`header has no ${key}`);
  }
  const v = Number(raw);
  if (!Number.isInteger(v)) throw formatError(`${key}=${raw} is not an integer`);
  return v;
}

function names(h: ReadonlyMap<string, string>, key: string, n: number, fallback: (i: number) => string): string[] {
  const raw = h.get(key);
  if (raw === undefined) return Array.from({ length: n }, (_, i) => fallback(i));
  const parts = raw.split(' ').filter((s) => s !== '');
  if (parts.length !== n) throw formatError(`${key} has ${parts.length} entries, max_feature_idx says ${n}`);
  return parts;
}

/** Parses a LightGBM text model; throws RecsysError(REC_ERR_MODEL_FORMAT) naming the problem. */
export function readLightGbmModel(text: string): GbdtModel {
  const s = sections(text);
  const h = s.header;
  if (!h.has('tree')) throw formatError('the file does not start with "tree"');
  const numClass = headerInt(h, 'num_class');
  const perIteration = headerInt(h, 'num_tree_per_iteration', numClass);
  if (numClass !== 1 || perIteration !== 1) throw formatError(`num_class=${numClass}: only single-output models are supported`);
  const numFeatures = headerInt(h, 'max_feature_idx') + 1;
  if (numFeatures < 1) throw formatError(`max_feature_idx=${numFeatures - 1}`);
  const sizes = (h.get('tree_sizes') ?? '').split(' ').filter((t) => t !== '');
  if (h.has('tree_sizes') && sizes.length !== s.trees.length) {
    throw formatError(`tree_sizes lists ${sizes.length} trees, the file has ${s.trees.length}`);
  }
  return {
    objective: parseObjective(h.get('objective')),
    featureNames: names(h, 'feature_names', numFeatures, (i) => `Column_${i}`),
    featureInfos: names(h, 'feature_infos', numFeatures, () => 'none'),
    trees: s.trees.map((t) => parseTree(t.kv, numFeatures, t.where)),
    parameters: s.parameters,
  };
}
