import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../errors.ts';
import { toArtifact } from './artifact.ts';
import { resolveTwoTowerConfig } from './config.ts';
import { buildEncoder } from './encoding.ts';
import { createTwoTowerModel } from './model.ts';
import { plantedMarketplace } from './testing.ts';
import { TWO_TOWER_VOCAB_FORMAT, encoderOfVocab, parseTowerVocab, towerVocabJson } from './vocab-file.ts';

const planted = plantedMarketplace({ users: 20, items: 16, clusters: 2, events: 200, seed: 3 });
const config = resolveTwoTowerConfig({ recentItems: 6 });
const encoder = buildEncoder(planted.users, planted.items, planted.interactions, config);

describe('vocabulary file of imported towers', () => {
  it('accepts two-tower-vocab@1, a whole two-tower.json artifact and a bare vocabularies object', () => {
    const file = parseTowerVocab(towerVocabJson({ recentItems: 6, vocabularies: encoder.state }));
    expect(file).toEqual({ format: TWO_TOWER_VOCAB_FORMAT, recentItems: 6, vocabularies: encoder.state });
    const artifact = toArtifact(createTwoTowerModel(config, encoder, 1)).json;
    expect(parseTowerVocab(artifact)).toEqual(file);
    // A bare object has no R: the built-in default (10) applies.
    expect(parseTowerVocab(JSON.stringify(encoder.state))).toEqual({ ...file, recentItems: 10 });
    const enc = encoderOfVocab(file);
    expect(enc.recentItems).toBe(6);
    expect(enc.items.indexOf('i3')).toBe(encoder.items.indexOf('i3'));
  });

  it('names the malformed field', () => {
    const bad = (v: unknown, message: RegExp): void => {
      let thrown: unknown;
      try {
        parseTowerVocab(typeof v === 'string' ? v : JSON.stringify(v));
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toMatchObject({ code: ERROR_CODES.INVALID_INPUT, message: expect.stringMatching(message) as unknown });
    };
    const s = encoder.state;
    bad('{not json', /vocabulary file: not valid JSON/);
    bad([1, 2], /expected a JSON object/);
    bad({ vocabularies: { ...s, users: 'u1' } }, /vocabularies\.users must be an array of strings, got string/);
    bad({ vocabularies: { ...s, items: ['a', 7] } }, /vocabularies\.items\[1\] must be a non-empty string, got 7/);
    bad({ vocabularies: { ...s, cities: ['x', 'y', 'x'] } }, /vocabularies\.cities lists 'x' twice/);
    const { chains: _chains, ...noChains } = s;
    bad(noChains, /^vocabulary file: chains is missing/);
    const { priceEdges: _edges, ...noEdges } = s;
    bad({ vocabularies: noEdges }, /vocabularies\.priceEdges is missing/);
    bad({ vocabularies: { ...s, priceEdges: [100, 50] } }, /priceEdges must be strictly ascending/);
    bad({ recentItems: 0, vocabularies: s }, /recentItems must be an integer in \[1, 100\], got 0/);
    bad({ format: 'tf-saved-model', vocabularies: s }, /unknown format "tf-saved-model"/);
  });
});
