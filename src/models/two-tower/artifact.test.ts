import { describe, expect, it } from 'vitest';
import { ERROR_CODES, RecsysError } from '../../errors.ts';
import { TWO_TOWER_FORMAT, fromArtifact, toArtifact } from './artifact.ts';
import { resolveTwoTowerConfig } from './config.ts';
import { buildEncoder } from './encoding.ts';
import { itemEmbeddings, userEmbedding } from './infer.ts';
import { createTwoTowerModel } from './model.ts';
import { plantedMarketplace } from './testing.ts';

const planted = plantedMarketplace({ users: 50, items: 40, clusters: 4, events: 300, seed: 11 });
const config = resolveTwoTowerConfig({ temperature: 0.05 });
const model = createTwoTowerModel(config, buildEncoder(planted.users, planted.items, planted.interactions, config), 21);
const queries = [
  { userId: 'u3', recentItems: ['i1', 'i5'], context: { destination: 'city1', checkin: '2026-05-01', checkout: '2026-05-03' } },
  { userId: 'unknown-user', recentItems: [] },
  {},
];

function expectFormatError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RecsysError);
    expect((err as RecsysError).code).toBe(ERROR_CODES.MODEL_FORMAT);
    expect((err as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a format error');
}

describe('two-tower@1 artifact', () => {
  const { json, weights } = toArtifact(model, { epochs: 3 });

  it('round-trips to identical embeddings, temperature and vocabularies', () => {
    const back = fromArtifact(json, weights);
    expect(back.temperature).toBe(model.temperature);
    expect(back.encoder.state).toEqual(model.encoder.state);
    for (const q of queries) expect(userEmbedding(back, q)).toEqual(userEmbedding(model, q));
    expect(itemEmbeddings(back, planted.items)).toEqual(itemEmbeddings(model, planted.items));
    expect(itemEmbeddings(back, planted.items, { coldStart: true })).toEqual(itemEmbeddings(model, planted.items, { coldStart: true }));
    const parsed = JSON.parse(json) as { format: string; training: unknown; weights: { length: number } };
    expect(parsed.format).toBe(TWO_TOWER_FORMAT);
    expect(parsed.training).toEqual({ epochs: 3 });
    expect(parsed.weights.length * 4).toBe(weights.byteLength);
  });

  it('loads a blob that sits at an unaligned offset', () => {
    const padded = new Uint8Array(weights.byteLength + 3);
    padded.set(weights, 3);
    const back = fromArtifact(json, padded.subarray(3));
    expect(userEmbedding(back, queries[0] ?? {})).toEqual(userEmbedding(model, queries[0] ?? {}));
  });

  it('rejects another format, bad JSON, a wrong-sized or foreign blob with REC_ERR_MODEL_FORMAT', () => {
    const other = JSON.stringify({ ...(JSON.parse(json) as object), format: 'two-tower@2' });
    expectFormatError(() => fromArtifact(other, weights), /expected format 'two-tower@1', got "two-tower@2"/);
    expectFormatError(() => fromArtifact('{', weights), /not valid JSON/);
    expectFormatError(() => fromArtifact(JSON.stringify({ format: 'popularity@1' }), weights), /expected format/);
    expectFormatError(() => fromArtifact(json, weights.subarray(0, weights.byteLength - 4)), /layout needs/);
    const tampered = weights.slice();
    tampered[100] = (tampered[100] ?? 0) ^ 1;
    expectFormatError(() => fromArtifact(json, tampered), /checksum/);
    const badConfig = JSON.stringify({ ...(JSON.parse(json) as object), config: { ...config, outputDim: -1 } });
    expectFormatError(() => fromArtifact(badConfig, weights), /bad config/);
  });
});
