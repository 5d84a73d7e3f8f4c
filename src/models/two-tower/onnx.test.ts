import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../errors.ts';
import { USER_FIELDS, resolveTwoTowerConfig } from './config.ts';
import { buildDataset } from './dataset.ts';
import { ITEM_FIELD_COUNT, USER_FIELD_COUNT, buildEncoder } from './encoding.ts';
import { itemEmbeddings, itemEmbeddingsEncoded, userEmbedding, userEmbeddingEncoded } from './infer.ts';
import { createTwoTowerModel } from './model.ts';
import type { OnnxTowers } from './onnx-export.ts';
import { RECENT_INPUT, USER_OUTPUT, exportOnnxTowers, loadOnnxTowers } from './onnx-export.ts';
import { GraphBuilder, ONNX_FLOAT, ONNX_INT64, int } from './onnx/onnx-graph.ts';
import { handItemTower, handUserTower } from './onnx-testing.ts';
import { plantedMarketplace } from './testing.ts';

const planted = plantedMarketplace({ users: 60, items: 48, clusters: 4, events: 600, seed: 13, destinationRate: 0.5 });
const config = resolveTwoTowerConfig({});
const encoder = buildEncoder(planted.users, planted.items, planted.interactions, config);
const model = createTwoTowerModel(config, encoder, 8);
const dataset = buildDataset(encoder, planted.users, planted.items, planted.interactions);

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('ONNX towers', () => {
  let towers: OnnxTowers;
  beforeAll(async () => {
    const { user, item } = exportOnnxTowers(model);
    towers = await loadOnnxTowers(user, item, encoder);
  });
  afterAll(() => towers.close());

  it('user tower: onnxruntime matches the in-process forward pass, incl. unknown ids and empty history', async () => {
    const n = 40;
    const fields = dataset.userFields.slice(0, n * USER_FIELD_COUNT);
    const recent = dataset.recent.slice(0, n * config.recentItems);
    // Row 0: everything unknown; row 1: unknown user with history; row 2: known user, no history.
    fields.fill(0, 0, USER_FIELD_COUNT);
    recent.fill(0, 0, config.recentItems);
    fields[USER_FIELD_COUNT] = 0;
    recent.fill(0, 2 * config.recentItems, 3 * config.recentItems);
    expect(dataset.recent.subarray(config.recentItems * 10).some((x) => x > 0)).toBe(true);
    const viaOrt = await towers.userEmbeddingsEncoded(fields, recent, n);
    const inProcess = new Float32Array(n * model.dim);
    for (let i = 0; i < n; i++) inProcess.set(userEmbeddingEncoded(model, fields, recent, i * USER_FIELD_COUNT, i * config.recentItems), i * model.dim);
    expect(maxAbsDiff(viaOrt, inProcess)).toBeLessThan(1e-4);
    const q = { userId: 'u1', recentItems: ['i4', 'i8'], context: { destination: 'city2', checkin: '2026-02-01', checkout: '2026-02-09' } };
    expect(maxAbsDiff(await towers.userEmbedding(q), userEmbedding(model, q))).toBeLessThan(1e-4);
    expect(maxAbsDiff(await towers.userEmbedding({ userId: 'new' }), userEmbedding(model, { userId: 'new' }))).toBeLessThan(1e-4);
  });

  it('item tower: onnxruntime matches the in-process forward pass, incl. cold-start (unknown id) items', async () => {
    expect(towers.dim).toBe(64);
    expect(maxAbsDiff(await towers.itemEmbeddings(planted.items), itemEmbeddings(model, planted.items))).toBeLessThan(1e-4);
    const cold = await towers.itemEmbeddings(planted.items, { coldStart: true });
    expect(maxAbsDiff(cold, itemEmbeddings(model, planted.items, { coldStart: true }))).toBeLessThan(1e-4);
    const unknownRow = new Int32Array(ITEM_FIELD_COUNT);
    expect(maxAbsDiff(await towers.itemEmbeddingsEncoded(unknownRow, 1), itemEmbeddingsEncoded(model, unknownRow, 1))).toBeLessThan(1e-4);
  });

  it('rejects models that break the contract with REC_ERR_MODEL_FORMAT', async () => {
    const { user, item } = exportOnnxTowers(model);
    await expect(loadOnnxTowers(item, item, encoder)).rejects.toMatchObject({ code: ERROR_CODES.MODEL_FORMAT, message: expect.stringMatching(/user tower lacks inputs user_id/) as unknown });
    await expect(loadOnnxTowers(user, new Uint8Array([1, 2, 3]), encoder)).rejects.toMatchObject({ code: ERROR_CODES.MODEL_FORMAT });
  });

  it('accepts a team-supplied user tower that follows the contract (here: mean of field embeddings, 64-d)', async () => {
    const g = new GraphBuilder('team_user_tower');
    g.constInt64('axes1', [1]);
    const parts = USER_FIELDS.map((name, f) => {
      g.input({ name, elemType: ONNX_INT64, shape: ['N'] });
      const table = g.constFloat(`t${f}`, [1000, 64], Float32Array.from({ length: 64_000 }, (_, i) => Math.sin(i * (f + 1))));
      return g.op('Gather', [table, name], { axis: int(0) });
    });
    g.input({ name: RECENT_INPUT, elemType: ONNX_INT64, shape: ['N', 'R'] });
    const sum = parts.reduce((acc, p) => g.op('Add', [acc, p]));
    const norm = g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [sum, sum]), 'axes1'], { keepdims: int(1) })]);
    g.op('Div', [sum, norm], {}, USER_OUTPUT);
    g.output({ name: USER_OUTPUT, elemType: ONNX_FLOAT, shape: ['N', 64] });
    const team = await loadOnnxTowers(g.encode({ producer: 'team-pytorch' }), exportOnnxTowers(model).item, encoder);
    try {
      const u = await team.userEmbedding({ userId: 'u2' });
      expect(u.length).toBe(64);
      expect(Math.abs(u.reduce((s, x) => s + x * x, 0) - 1)).toBeLessThan(1e-5);
    } finally {
      await team.close();
    }
  });
});

describe('ONNX towers: the declared signature is checked against the contract', () => {
  const rejects = (user: Uint8Array, item: Uint8Array, message: RegExp): Promise<void> =>
    expect(loadOnnxTowers(user, item, encoder)).rejects.toMatchObject({ code: ERROR_CODES.MODEL_FORMAT, message: expect.stringMatching(message) as unknown });

  it('accepts hand-built towers of another producer, with a fixed R equal to the vocabulary\'s', async () => {
    const towers = await loadOnnxTowers(handUserTower({ recentItems: config.recentItems }), handItemTower(), encoder);
    try {
      expect(towers.dim).toBe(16);
      const v = await towers.itemEmbeddings(planted.items.slice(0, 3));
      expect(v.length).toBe(3 * 16);
    } finally {
      await towers.close();
    }
  });

  it('names a missing input, a wrong input type, a fixed R that differs, and towers that disagree on D', async () => {
    await rejects(handUserTower(), handItemTower({ omit: 'chain' }), /item tower lacks inputs chain/);
    await rejects(handUserTower({ omit: 'recent_items' }), handItemTower(), /user tower lacks inputs recent_items/);
    await rejects(handUserTower({ inputType: ONNX_FLOAT }), handItemTower(), /user tower input user_id must be int64, the model declares float32/);
    await rejects(handUserTower({ recentItems: 5 }), handItemTower(), /recent_items has R = 5 recent items, the vocabulary file says 10/);
    await rejects(handUserTower({ dim: 16 }), handItemTower({ dim: 8 }), /disagree on D: user tower D = 16, item tower D = 8/);
    await rejects(handUserTower(), new Uint8Array([1, 2, 3]), /cannot load the item tower as an ONNX model/);
  });
});
