/**
 * @module models/two-tower/vocab-file
 * The vocabulary file of bring-your-own ONNX towers, 'two-tower-vocab@1': the token lists that
 * map raw ids and categories to the indices the towers were trained on (index = position + 1,
 * 0 = unknown), the price-band edges and R (recent items per user row). Parsing also accepts the
 * bare `vocabularies` object and a whole 'two-tower@1' artifact JSON (two-tower.json).
 */
import { InvalidInputError } from '../../errors.ts';
import { DEFAULT_TWO_TOWER_CONFIG } from './config.ts';
import { FeatureEncoder, type EncoderState } from './encoding.ts';

export const TWO_TOWER_VOCAB_FORMAT = 'two-tower-vocab@1';

/** The normalised vocabulary file, as stored with an imported model version. */
export interface TowerVocabFile {
  format: typeof TWO_TOWER_VOCAB_FORMAT;
  /** R: how many recent items (newest first, 0-padded) the user tower's `recent_items` input holds per row. */
  recentItems: number;
  vocabularies: EncoderState;
}

const TOKEN_LISTS = ['users', 'items', 'cities', 'countries', 'devices', 'chains'] as const;

const vocabError = (message: string): InvalidInputError => new InvalidInputError(`vocabulary file: ${message}`);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `at.key`, or `key` at the top level. */
const field = (at: string, key: string): string => (at === '' ? key : `${at}.${key}`);

function tokenList(v: Record<string, unknown>, key: string, at: string): string[] {
  const list = v[key];
  const name = field(at, key);
  if (list === undefined) throw vocabError(`${name} is missing (expected an array of strings)`);
  if (!Array.isArray(list)) throw vocabError(`${name} must be an array of strings, got ${typeof list}`);
  const seen = new Set<string>();
  list.forEach((t, i) => {
    if (typeof t !== 'string' || t === '') throw vocabError(`${name}[${i}] must be a non-empty string, got ${JSON.stringify(t)}`);
    if (seen.has(t)) throw vocabError(`${name} lists '${t}' twice (the second time at [${i}]): every token needs one index`);
    seen.add(t);
  });
  return list as string[];
}

function priceEdges(v: Record<string, unknown>, at: string): number[] {
  const edges = v['priceEdges'];
  const name = field(at, 'priceEdges');
  if (edges === undefined) throw vocabError(`${name} is missing (the ascending nightly-price band edges; [] when the towers use no price bands)`);
  if (!Array.isArray(edges)) throw vocabError(`${name} must be an array of ascending numbers`);
  edges.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw vocabError(`${name}[${i}] must be a finite number, got ${JSON.stringify(x)}`);
    if (i > 0 && x <= (edges[i - 1] as number)) throw vocabError(`${name} must be strictly ascending ([${i}] = ${x} follows ${String(edges[i - 1])})`);
  });
  return edges as number[];
}

/** Validate a `vocabularies` object; `at` names it in messages. */
export function parseEncoderState(v: unknown, at = 'vocabularies'): EncoderState {
  if (!isObject(v)) throw vocabError(`${at === '' ? 'the file' : at} must be an object with ${TOKEN_LISTS.join(', ')} and priceEdges`);
  const lists = Object.fromEntries(TOKEN_LISTS.map((k) => [k, tokenList(v, k, at)])) as Record<(typeof TOKEN_LISTS)[number], string[]>;
  return { ...lists, priceEdges: priceEdges(v, at) };
}

function recentItemsOf(raw: unknown, at: string): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > 100) throw vocabError(`${at} must be an integer in [1, 100], got ${JSON.stringify(raw)}`);
  return raw;
}

/**
 * Parse a vocabulary file. Accepted shapes:
 * - `{ "format": "two-tower-vocab@1", "recentItems": R, "vocabularies": {…} }` (format optional);
 * - a 'two-tower@1' artifact (two-tower.json): its `vocabularies`, R from `config.recentItems`;
 * - the bare vocabularies object `{ "users": […], "items": […], …, "priceEdges": […] }`.
 * R defaults to 10 (the built-in model's) when the file does not give it. Throws
 * InvalidInputError naming the bad field.
 */
export function parseTowerVocab(text: string): TowerVocabFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`vocabulary file: not valid JSON (${err instanceof Error ? err.message : String(err)})`, err);
  }
  if (!isObject(raw)) throw vocabError('expected a JSON object');
  const format = raw['format'];
  if (format !== undefined && format !== TWO_TOWER_VOCAB_FORMAT && format !== 'two-tower@1') {
    throw vocabError(`unknown format ${JSON.stringify(format)} (expected '${TWO_TOWER_VOCAB_FORMAT}', a 'two-tower@1' artifact, or a bare vocabularies object)`);
  }
  const wrapped = raw['vocabularies'] !== undefined;
  const config = raw['config'];
  const r = recentItemsOf(raw['recentItems'], 'recentItems') ?? (isObject(config) ? recentItemsOf(config['recentItems'], 'config.recentItems') : undefined);
  return {
    format: TWO_TOWER_VOCAB_FORMAT,
    recentItems: r ?? DEFAULT_TWO_TOWER_CONFIG.recentItems,
    vocabularies: wrapped ? parseEncoderState(raw['vocabularies']) : parseEncoderState(raw, ''),
  };
}

/** The file's feature encoder (what `loadOnnxTowers` needs). */
export function encoderOfVocab(file: TowerVocabFile): FeatureEncoder {
  return new FeatureEncoder(file.vocabularies, file.recentItems);
}

/** The normalised JSON text of a vocabulary file. */
export function towerVocabJson(file: Omit<TowerVocabFile, 'format'>): string {
  const out: TowerVocabFile = { format: TWO_TOWER_VOCAB_FORMAT, recentItems: file.recentItems, vocabularies: file.vocabularies };
  return JSON.stringify(out);
}
