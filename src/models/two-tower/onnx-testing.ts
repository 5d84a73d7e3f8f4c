/**
 * @module models/two-tower/onnx-testing
 * Test support: hand-built ONNX towers from "another producer" (not exportOnnxTowers), one per
 * way a team's export can follow or break the input contract.
 */
import { ITEM_FIELDS, USER_FIELDS } from './config.ts';
import { ITEM_OUTPUT, RECENT_INPUT, USER_OUTPUT } from './onnx-export.ts';
import { GraphBuilder, ONNX_FLOAT, ONNX_INT64, int } from './onnx/onnx-graph.ts';

export interface HandTowerOptions {
  /** Output dimension D (default 16). */
  dim?: number;
  /** Divide by the L2 norm (default true; false breaks the contract). */
  normalise?: boolean;
  /** Declared R of recent_items (user tower; default the symbolic 'R'). */
  recentItems?: number | string;
  /** Element type of the id inputs (default int64; ONNX_FLOAT breaks the contract). */
  inputType?: typeof ONNX_INT64 | typeof ONNX_FLOAT;
  /** Leave this input out (breaks the contract). */
  omit?: string;
}

/** Sum of one sine-filled embedding table per field, optionally L2-normalised, as ONNX bytes. */
function handTower(name: string, fields: readonly string[], output: string, o: HandTowerOptions, recent: boolean): Uint8Array {
  const d = o.dim ?? 16;
  const g = new GraphBuilder(name);
  g.constInt64('axes1', [1]);
  const type = o.inputType ?? ONNX_INT64;
  const parts = fields.filter((f) => f !== o.omit).map((field, f) => {
    g.input({ name: field, elemType: type, shape: ['N'] });
    const idx = type === ONNX_INT64 ? field : g.op('Cast', [field], { to: int(ONNX_INT64) });
    const table = g.constFloat(`t${f}`, [5000, d], Float32Array.from({ length: 5000 * d }, (_, i) => Math.sin(i * (f + 1) + 0.5)));
    return g.op('Gather', [table, idx], { axis: int(0) });
  });
  if (recent && o.omit !== RECENT_INPUT) g.input({ name: RECENT_INPUT, elemType: ONNX_INT64, shape: ['N', o.recentItems ?? 'R'] });
  const sum = parts.reduce((acc, p) => g.op('Add', [acc, p]));
  if (o.normalise ?? true) {
    const norm = g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [sum, sum]), 'axes1'], { keepdims: int(1) })]);
    g.op('Div', [sum, norm], {}, output);
  } else {
    g.op('Identity', [sum], {}, output);
  }
  g.output({ name: output, elemType: ONNX_FLOAT, shape: ['N', d] });
  return g.encode({ producer: 'team-pytorch' });
}

/** A user tower (contract two-tower-user@1 unless an option breaks it); ignores recent_items. */
export function handUserTower(o: HandTowerOptions = {}): Uint8Array {
  return handTower('team_user_tower', USER_FIELDS, USER_OUTPUT, o, true);
}

/** An item tower (contract two-tower-item@1 unless an option breaks it). */
export function handItemTower(o: HandTowerOptions = {}): Uint8Array {
  return handTower('team_item_tower', ITEM_FIELDS, ITEM_OUTPUT, o, false);
}
