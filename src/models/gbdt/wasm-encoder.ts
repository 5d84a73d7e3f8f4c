/**
 * @module models/gbdt/wasm-encoder
 * A minimal WebAssembly binary encoder: the handful of opcodes the scoring kernel uses, structured
 * control flow with named labels, and a module of exported functions over one imported memory
 * (`env.mem`). It encodes instructions written in code here; no model data passes through it.
 */

/** Opcodes used by the kernel (WebAssembly core spec, section 5.4). */
export const Op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, brTable: 0x0e,
  select: 0x1b, localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, f64Load: 0x2b, i32Store: 0x36, f64Store: 0x39, i32Const: 0x41,
  i32Eqz: 0x45, i32Eq: 0x46, i32LtS: 0x48, i32LtU: 0x49, i32GeU: 0x4f, f64Gt: 0x64,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, i32Xor: 0x73, i32Shl: 0x74, i32ShrU: 0x76,
  f64Add: 0xa0,
} as const;

/** Value types. */
export const I32 = 0x7f;
export const F64 = 0x7c;
const EMPTY_BLOCK = 0x40;

function uleb(out: number[], value: number): void {
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v !== 0 ? byte | 0x80 : byte);
  } while (v !== 0);
}

function sleb(out: number[], value: number): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

/** A function body under construction; branches name their target block or loop. */
export class FunctionBody {
  readonly bytes: number[] = [];
  private readonly labels: string[] = [];

  op(...ops: number[]): this {
    this.bytes.push(...ops);
    return this;
  }
  get(local: number): this { return this.op(Op.localGet).uleb(local); }
  set(local: number): this { return this.op(Op.localSet).uleb(local); }
  tee(local: number): this { return this.op(Op.localTee).uleb(local); }
  i32(value: number): this { this.op(Op.i32Const); sleb(this.bytes, value); return this; }
  /** A load or store with its alignment (log2 bytes) and constant byte offset. */
  mem(op: number, alignLog2: number, offset = 0): this { return this.op(op).uleb(alignLog2).uleb(offset); }

  block(label: string): this { this.labels.push(label); return this.op(Op.block, EMPTY_BLOCK); }
  loop(label: string): this { this.labels.push(label); return this.op(Op.loop, EMPTY_BLOCK); }
  if(label = ''): this { this.labels.push(label); return this.op(Op.if, EMPTY_BLOCK); }
  else(): this { return this.op(Op.else); }
  end(): this { this.labels.pop(); return this.op(Op.end); }
  br(label: string): this { return this.op(Op.br).uleb(this.depth(label)); }
  brIf(label: string): this { return this.op(Op.brIf).uleb(this.depth(label)); }
  /** Jump to targets[value], or to the last target when value is out of range. */
  brTable(targets: readonly string[]): this {
    this.op(Op.brTable).uleb(targets.length - 1);
    for (const t of targets) this.uleb(this.depth(t));
    return this;
  }

  private uleb(v: number): this { uleb(this.bytes, v); return this; }
  private depth(label: string): number {
    const i = this.labels.lastIndexOf(label);
    if (i < 0) throw new Error(`wasm encoder: no enclosing label ${label}`);
    return this.labels.length - 1 - i;
  }
}

/** An exported function: parameter, result and extra local types, and its body. */
export interface WasmFunction {
  readonly name: string;
  readonly params: readonly number[];
  readonly results: readonly number[];
  readonly locals: readonly number[];
  readonly body: FunctionBody;
}

function vec(items: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  uleb(out, items.length);
  for (const item of items) out.push(...item);
  return out;
}

function name(s: string): number[] {
  return vec([...new TextEncoder().encode(s)].map((b) => [b]));
}

function section(id: number, body: readonly number[]): number[] {
  const out = [id];
  uleb(out, body.length);
  return out.concat(body);
}

/** The binary of a module importing one memory as `env.mem` and exporting `fns`. */
export function encodeModule(fns: readonly WasmFunction[]): Uint8Array<ArrayBuffer> {
  const index = (i: number): number[] => { const o: number[] = []; uleb(o, i); return o; };
  const types = vec(fns.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec(f.results.map((r) => [r]))]));
  const imports = vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]]); // memory, min 1 page, no max
  const funcs = vec(fns.map((_, i) => index(i)));
  const exports = vec(fns.map((f, i) => [...name(f.name), 0x00, ...index(i)]));
  const codes = vec(fns.map((f) => {
    const body = [...vec(f.locals.map((t) => [0x01, t])), ...f.body.bytes, Op.end];
    return [...index(body.length), ...body];
  }));
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types), ...section(2, imports), ...section(3, funcs), ...section(7, exports), ...section(10, codes),
  ]);
}
