/**
 * @module models/two-tower/params
 * Every trainable parameter lives in one Float32Array: the dense block first (tower MLPs and the
 * log inverse temperature, updated with Adam), then one embedding table per field (row-major,
 * updated sparsely). The layout maps names to offsets; it is rebuilt from config + vocab sizes.
 */
import type { Rng } from '../../util/rng.ts';
import { createRng } from '../../util/rng.ts';
import type { TwoTowerConfig } from './config.ts';
import { ITEM_FIELDS, USER_FIELDS, itemInputDim, userInputDim } from './config.ts';

/**
 * One embedding table: `rows × dim` floats at `offset`; its slice of the tower input starts at
 * `column`; its rows are rows firstRow … firstRow + rows − 1 of all tables (row-wise optimizer state).
 */
export interface TableLayout {
  name: string;
  offset: number;
  rows: number;
  dim: number;
  column: number;
  firstRow: number;
}

/** One tower MLP: input → hidden (ReLU) → output. */
export interface DenseLayout {
  inputDim: number;
  w1: number;
  b1: number;
  w2: number;
  b2: number;
}

export interface ParamLayout {
  hiddenDim: number;
  outputDim: number;
  user: DenseLayout;
  item: DenseLayout;
  /** Offset of log(1/τ). */
  logScale: number;
  /** Parameters [0, denseSize) are dense; embedding tables follow. */
  denseSize: number;
  /** USER_FIELDS order. */
  userTables: TableLayout[];
  /** Item-id embeddings of the user's recent items (mean-pooled; a table of the user tower). */
  recentTable: TableLayout;
  /** ITEM_FIELDS order. */
  itemTables: TableLayout[];
  /** Rows of all tables together. */
  tableRows: number;
  total: number;
}

function dense(inputDim: number, hidden: number, output: number, at: number): [DenseLayout, number] {
  const w1 = at;
  const b1 = w1 + inputDim * hidden;
  const w2 = b1 + hidden;
  const b2 = w2 + hidden * output;
  return [{ inputDim, w1, b1, w2, b2 }, b2 + output];
}

/** Layout for a config and the vocabulary sizes (incl. unknown) of each field. */
export function buildLayout(config: TwoTowerConfig, userSizes: readonly number[], recentSize: number, itemSizes: readonly number[]): ParamLayout {
  const h = config.hiddenDim;
  const d = config.outputDim;
  const [user, afterUser] = dense(userInputDim(config), h, d, 0);
  const [item, afterItem] = dense(itemInputDim(config), h, d, afterUser);
  const logScale = afterItem;
  let offset = logScale + 1;
  let firstRow = 0;
  const denseSize = offset;
  const table = (name: string, rows: number, dim: number, column: number): TableLayout => {
    const t = { name, offset, rows, dim, column, firstRow };
    offset += rows * dim;
    firstRow += rows;
    return t;
  };
  let column = 0;
  const userTables = USER_FIELDS.map((f, i) => {
    const t = table(f, userSizes[i] ?? 1, config.userDims[f], column);
    column += t.dim;
    return t;
  });
  const recentTable = table('recent_items', recentSize, config.recentDim, column);
  column = 0;
  const itemTables = ITEM_FIELDS.map((f, i) => {
    const t = table(f, itemSizes[i] ?? 1, config.itemDims[f], column);
    column += t.dim;
    return t;
  });
  return { hiddenDim: h, outputDim: d, user, item, logScale, denseSize, userTables, recentTable, itemTables, tableRows: firstRow, total: offset };
}

function fillNormal(p: Float32Array, from: number, count: number, std: number, rng: Rng): void {
  for (let i = from; i < from + count; i++) p[i] = std * rng.normal();
}

/** Standard deviation of the initial embedding rows. */
export const EMBEDDING_INIT_STD = 0.1;

/**
 * Seeded initial parameters: He-normal hidden layers, Glorot-normal output layers, zero biases,
 * N(0, 0.1²) embeddings, log(1/τ₀). Writes into `into` when given (e.g. a SharedArrayBuffer view).
 */
export function initParams(layout: ParamLayout, config: TwoTowerConfig, seed: number, into?: Float32Array): Float32Array {
  const p = into ?? new Float32Array(layout.total);
  p.fill(0);
  const rng = createRng(seed);
  for (const t of [layout.user, layout.item]) {
    fillNormal(p, t.w1, t.inputDim * layout.hiddenDim, Math.sqrt(2 / t.inputDim), rng);
    fillNormal(p, t.w2, layout.hiddenDim * layout.outputDim, Math.sqrt(2 / (layout.hiddenDim + layout.outputDim)), rng);
  }
  p[layout.logScale] = Math.log(1 / config.temperature);
  for (const t of [...layout.userTables, layout.recentTable, ...layout.itemTables]) fillNormal(p, t.offset, t.rows * t.dim, EMBEDDING_INIT_STD, rng);
  return p;
}
