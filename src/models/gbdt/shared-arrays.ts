/**
 * @module models/gbdt/shared-arrays
 * Typed arrays on a SharedArrayBuffer (for the histogram worker) or on a plain ArrayBuffer.
 */
import type { RowArrays } from './partition.ts';

/** A Float64Array of n zeros on a SharedArrayBuffer when `shared`, else on a plain ArrayBuffer. */
export function allocFloat64(n: number, shared: boolean): Float64Array {
  return shared ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n);
}
/** A Float32Array of n zeros, shared or not (see {@link allocFloat64}). */
export function allocFloat32(n: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n);
}
/** An Int32Array of n zeros, shared or not (see {@link allocFloat64}). */
export function allocInt32(n: number, shared: boolean): Int32Array {
  return shared ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n);
}
/** A Uint8Array of n zeros, shared or not (see {@link allocFloat64}). */
export function allocUint8(n: number, shared: boolean): Uint8Array {
  return shared ? new Uint8Array(new SharedArrayBuffer(n)) : new Uint8Array(n);
}
/** Row arrays (rows, gradients, hessians) for n rows plus partition scratch, shared or not (see {@link allocFloat64}). */
export function allocRowArrays(n: number, shared: boolean): RowArrays {
  return { rows: allocInt32(2 * n, shared), grad: allocFloat32(2 * n, shared), hess: allocFloat32(2 * n, shared) };
}

