/**
 * @module models/two-tower/forward
 * The in-process forward pass: gather a tower's input (field embedding rows concatenated; recent
 * items mean-pooled, ignoring index 0, or row 0 when there are none) and run the MLP with L2
 * normalisation. Pure functions over the parameter array; float32 or float64 work buffers.
 */
import { NORM_EPS } from './step-graph.ts';
import type { DenseLayout, ParamLayout, TableLayout } from './params.ts';
import { UNKNOWN } from './vocab.ts';

export type FloatArray = Float32Array | Float64Array;

function copyRow(p: Float32Array, t: TableLayout, row: number, x: FloatArray, at: number): void {
  const src = t.offset + row * t.dim;
  for (let k = 0; k < t.dim; k++) x[at + k] = p[src + k] as number;
}

/**
 * Mean of the recent-item rows (entries equal to UNKNOWN are padding); row 0 ("no history") when
 * none is known. Returns the number of rows pooled (0 for the no-history row).
 */
export function poolRecent(p: Float32Array, t: TableLayout, recent: Int32Array, rAt: number, r: number, x: FloatArray, at: number): number {
  let n = 0;
  for (let j = 0; j < r; j++) if (recent[rAt + j] !== UNKNOWN) n++;
  if (n === 0) {
    copyRow(p, t, UNKNOWN, x, at);
    return 0;
  }
  for (let k = 0; k < t.dim; k++) x[at + k] = 0;
  for (let j = 0; j < r; j++) {
    const row = recent[rAt + j] as number;
    if (row === UNKNOWN) continue;
    const src = t.offset + row * t.dim;
    for (let k = 0; k < t.dim; k++) x[at + k] = (x[at + k] as number) + (p[src + k] as number);
  }
  const inv = 1 / n;
  for (let k = 0; k < t.dim; k++) x[at + k] = (x[at + k] as number) * inv;
  return n;
}

/** User-tower input of one example into x[at…]; `dropId` replaces the user id by UNKNOWN. */
export function gatherUser(
  p: Float32Array, layout: ParamLayout, fields: Int32Array, fAt: number, recent: Int32Array, rAt: number, r: number,
  x: FloatArray, at: number, dropId = false,
): void {
  const tables = layout.userTables;
  for (let f = 0; f < tables.length; f++) {
    const t = tables[f] as TableLayout;
    copyRow(p, t, f === 0 && dropId ? UNKNOWN : (fields[fAt + f] as number), x, at + t.column);
  }
  poolRecent(p, layout.recentTable, recent, rAt, r, x, at + layout.recentTable.column);
}

/** Item-tower input of one item into x[at…]; `dropId` replaces the item id by UNKNOWN. */
export function gatherItem(p: Float32Array, layout: ParamLayout, features: Int32Array, fAt: number, x: FloatArray, at: number, dropId = false): void {
  const tables = layout.itemTables;
  for (let f = 0; f < tables.length; f++) {
    const t = tables[f] as TableLayout;
    copyRow(p, t, f === 0 && dropId ? UNKNOWN : (features[fAt + f] as number), x, at + t.column);
  }
}

/** out[0…cols) = bias + x[xAt…xAt+din) · W (W row-major din × cols), optionally ReLU'd. */
function affine(p: Float32Array, w: number, b: number, din: number, cols: number, x: FloatArray, xAt: number, out: FloatArray, oAt: number, relu: boolean): void {
  for (let j = 0; j < cols; j++) out[oAt + j] = p[b + j] as number;
  for (let k = 0; k < din; k++) {
    const xk = x[xAt + k] as number;
    if (xk === 0) continue;
    const row = w + k * cols;
    for (let j = 0; j < cols; j++) out[oAt + j] = (out[oAt + j] as number) + xk * (p[row + j] as number);
  }
  if (relu) for (let j = 0; j < cols; j++) if ((out[oAt + j] as number) < 0) out[oAt + j] = 0;
}

/**
 * Tower MLP for `rows` inputs: out = normalise(relu(x W1 + b1) W2 + b2). `hidden` (rows × H)
 * receives the ReLU activations and `norms` (rows) the pre-normalisation lengths, for backprop.
 */
export function mlpForward(
  p: Float32Array, t: DenseLayout, hiddenDim: number, outputDim: number, x: FloatArray, rows: number, out: FloatArray,
  hidden: FloatArray = new Float64Array(hiddenDim * rows), norms?: FloatArray,
): void {
  for (let i = 0; i < rows; i++) {
    const hAt = hidden.length >= hiddenDim * rows ? i * hiddenDim : 0;
    affine(p, t.w1, t.b1, t.inputDim, hiddenDim, x, i * t.inputDim, hidden, hAt, true);
    affine(p, t.w2, t.b2, hiddenDim, outputDim, hidden, hAt, out, i * outputDim, false);
    let ssq = 0;
    for (let j = 0; j < outputDim; j++) ssq += (out[i * outputDim + j] as number) ** 2;
    const norm = Math.sqrt(ssq + NORM_EPS);
    if (norms !== undefined) norms[i] = norm;
    for (let j = 0; j < outputDim; j++) out[i * outputDim + j] = (out[i * outputDim + j] as number) / norm;
  }
}
