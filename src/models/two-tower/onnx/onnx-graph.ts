/**
 * @module models/two-tower/onnx/onnx-graph
 * Builds ONNX graphs in memory (nodes, initializers, typed inputs/outputs) and encodes them as an
 * ONNX ModelProto (IR version 8, default domain opset 17) with the hand-written protobuf writer.
 */
import { ProtoWriter } from './protobuf.ts';

/** TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
const IR_VERSION = 8;
export const OPSET = 17;

/** An attribute value; ints and floats are tagged because JS numbers do not say which. */
export type OnnxAttr =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'string'; value: string };

export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs: Readonly<Record<string, OnnxAttr>>;
}

/** A constant tensor stored in the model. */
export interface OnnxTensor {
  name: string;
  dims: readonly number[];
  data: Float32Array | BigInt64Array;
}

/** A graph input or output: element type and shape (a string is a symbolic dimension). */
export interface OnnxValueInfo {
  name: string;
  elemType: typeof ONNX_FLOAT | typeof ONNX_INT64;
  shape: readonly (number | string)[];
  doc?: string;
}

export const int = (value: number): OnnxAttr => ({ kind: 'int', value });
export const float = (value: number): OnnxAttr => ({ kind: 'float', value });
export const ints = (value: readonly number[]): OnnxAttr => ({ kind: 'ints', value });

/** Accumulates a graph; `op` returns the (auto-named) output so that graphs read like expressions. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly inputs: OnnxValueInfo[] = [];
  readonly outputs: OnnxValueInfo[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  input(info: OnnxValueInfo): string {
    this.inputs.push(info);
    return info.name;
  }

  output(info: OnnxValueInfo): void {
    this.outputs.push(info);
  }

  /** A float32 constant. */
  constFloat(name: string, dims: readonly number[], data: Float32Array): string {
    this.initializers.push({ name, dims, data });
    return name;
  }

  /** An int64 constant (shapes, axes, indices). */
  constInt64(name: string, values: readonly number[]): string {
    this.initializers.push({ name, dims: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) });
    return name;
  }

  /** Add a node with one output; `out` names it (default: an auto-generated name). */
  op(op: string, inputs: readonly string[], attrs: Record<string, OnnxAttr> = {}, out?: string): string {
    const name = out ?? `${op.toLowerCase()}_${this.counter++}`;
    this.nodes.push({ op, inputs, outputs: [name], attrs });
    return name;
  }

  /** Encode the graph as an ONNX ModelProto. */
  encode(meta: { producer: string; doc?: string; props?: Record<string, string> }): Uint8Array {
    const w = new ProtoWriter();
    w.int(1, IR_VERSION);
    w.string(2, meta.producer);
    if (meta.doc !== undefined) w.string(6, meta.doc);
    w.message(7, (g) => this.writeGraph(g));
    w.message(8, (o) => o.string(1, '').int(2, OPSET));
    for (const [key, value] of Object.entries(meta.props ?? {})) w.message(14, (e) => e.string(1, key).string(2, value));
    return w.finish();
  }

  private writeGraph(g: ProtoWriter): void {
    for (const n of this.nodes) g.message(1, (w) => writeNode(w, n));
    g.string(2, this.name);
    for (const t of this.initializers) g.message(5, (w) => writeTensor(w, t));
    for (const v of this.inputs) g.message(11, (w) => writeValueInfo(w, v));
    for (const v of this.outputs) g.message(12, (w) => writeValueInfo(w, v));
  }
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.outputs[0] ?? n.op);
  w.string(4, n.op);
  for (const [name, a] of Object.entries(n.attrs)) w.message(5, (aw) => writeAttr(aw, name, a));
}

/** AttributeProto: name = 1, f = 2, i = 3, s = 4, ints = 8, type = 20. */
function writeAttr(w: ProtoWriter, name: string, a: OnnxAttr): void {
  w.string(1, name);
  switch (a.kind) {
    case 'float': w.float(2, a.value).int(20, 1); break;
    case 'int': w.int(3, a.value).int(20, 2); break;
    case 'string': w.string(4, a.value).int(20, 3); break;
    case 'ints': w.packedInts(8, a.value).int(20, 7); break;
  }
}

/** TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian). */
function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  w.packedInts(1, t.dims);
  w.int(2, t.data instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64);
  w.string(8, t.name);
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

/** ValueInfoProto { name = 1, type = 2 { tensor_type = 1 { elem_type = 1, shape = 2 { dim = 1 } } }, doc = 3 }. */
function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (tp) => tp.message(1, (tt) => {
    tt.int(1, v.elemType);
    tt.message(2, (shape) => {
      for (const d of v.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
    });
  }));
  if (v.doc !== undefined) w.string(3, v.doc);
}
