/**
 * @module models/two-tower/onnx-contract
 * Checks an ONNX tower's declared signature against the two-tower input contract before anything
 * runs: every contract input present, int64, of rank 1 ([N]) or 2 ([N, R] for recent_items, with
 * a fixed R equal to the encoder's); no other inputs; a float32 [N, D] output.
 */
import type * as ort from 'onnxruntime-node';
import { ERROR_CODES, RecsysError } from '../../errors.ts';

/** What one tower must declare. */
export interface TowerSpec {
  /** 'user' or 'item', for messages. */
  tower: string;
  /** Inputs of shape [N]. */
  vectors: readonly string[];
  /** An input of shape [N, R] with R = `width` (a symbolic R is accepted), when the tower has one. */
  matrix?: { name: string; width: number };
  output: string;
}

/** RecsysError(REC_ERR_MODEL_FORMAT) whose message starts "ONNX two-tower: ". */
export function contractError(message: string, cause?: unknown): RecsysError {
  return new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `ONNX two-tower: ${message}`, cause });
}

type Meta = ort.InferenceSession.ValueMetadata;

const describeShape = (shape: readonly (number | string)[]): string => `[${shape.join(', ')}]`;

/** The tensor metadata of `name`, or an error naming what is wrong with it. */
function tensorInput(meta: readonly Meta[], spec: TowerSpec, name: string, rank: number): ort.InferenceSession.TensorValueMetadata {
  const m = meta.find((x) => x.name === name);
  if (m === undefined) throw contractError(`${spec.tower} tower lacks input ${name}`);
  if (!m.isTensor) throw contractError(`${spec.tower} tower input ${name} must be a tensor`);
  if (m.type !== 'int64') throw contractError(`${spec.tower} tower input ${name} must be int64, the model declares ${m.type}`);
  // An undeclared shape (empty) is allowed: the probe run then checks it.
  if (m.shape.length !== 0 && m.shape.length !== rank) {
    throw contractError(`${spec.tower} tower input ${name} must have rank ${rank} (${rank === 1 ? '[N]' : '[N, R]'}), the model declares ${describeShape(m.shape)}`);
  }
  return m;
}

/**
 * Throws REC_ERR_MODEL_FORMAT naming the first problem: a missing contract input (all missing
 * ones are listed), an input of the wrong type or rank, a fixed R other than `matrix.width`, an
 * input the contract does not define, or a missing or non-float32 [N, D] output.
 */
export function checkTowerSignature(session: ort.InferenceSession, spec: TowerSpec): void {
  const want = [...spec.vectors, ...(spec.matrix === undefined ? [] : [spec.matrix.name])];
  const missing = want.filter((n) => !session.inputNames.includes(n));
  if (missing.length > 0) throw contractError(`${spec.tower} tower lacks inputs ${missing.join(', ')} (has ${session.inputNames.join(', ')})`);
  const extra = session.inputNames.filter((n) => !want.includes(n));
  if (extra.length > 0) throw contractError(`${spec.tower} tower has inputs the contract does not define: ${extra.join(', ')} (expected exactly ${want.join(', ')})`);
  const meta = session.inputMetadata;
  for (const name of spec.vectors) tensorInput(meta, spec, name, 1);
  if (spec.matrix !== undefined) {
    const m = tensorInput(meta, spec, spec.matrix.name, 2);
    const r = m.shape[1];
    if (typeof r === 'number' && r !== spec.matrix.width) {
      throw contractError(`${spec.tower} tower input ${spec.matrix.name} has R = ${r} recent items, the vocabulary file says ${spec.matrix.width} (set "recentItems" in the vocabulary file to match the model)`);
    }
  }
  if (!session.outputNames.includes(spec.output)) throw contractError(`${spec.tower} tower lacks output ${spec.output} (has ${session.outputNames.join(', ')})`);
  const out = session.outputMetadata.find((x) => x.name === spec.output);
  if (out?.isTensor === true && (out.type !== 'float32' || (out.shape.length !== 0 && out.shape.length !== 2))) {
    throw contractError(`${spec.tower} tower output ${spec.output} must be float32 [N, D], the model declares ${out.type} ${describeShape(out.shape)}`);
  }
}
