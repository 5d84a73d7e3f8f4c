/**
 * @module adapters/redis/redis-codec.test
 * The `wf1` value encoding: exact round trips of every value type, the head the Lua scripts read, the
 * schema cache, and values the store did not write refused with the key named.
 */
import { describe, expect, it } from 'vitest';
import { encodeRow, RowDecoder, RowEncoder } from './redis-codec.ts';
import type { FeatureValues } from '../../ports/features.ts';

const T = 1_764_000_000_000;
const roundTrip = (values: FeatureValues, decoder = new RowDecoder()): FeatureValues => decoder.decode(encodeRow(1, T, T + 1, values), 'k').values;

describe('redis value encoding (wf1)', () => {
  it('starts with the ASCII head the Lua scripts read, and the scripts prepend the version to the body', () => {
    const raw = encodeRow(3, T, T + 100_000, { a: 1.5, l: ['x'] });
    expect(raw.subarray(0, 34).toString('latin1')).toBe('wf1,3,1764000000000,1764000100000,');
    const body = new RowEncoder().body(T, T + 100_000, { a: 1.5, l: ['x'] });
    expect(Buffer.concat([Buffer.from('wf1,3'), body]).equals(raw)).toBe(true);
    const decoder = new RowDecoder();
    expect(decoder.decode(raw, 'k')).toEqual({ eventTs: T, values: { a: 1.5, l: ['x'] } });
    expect([decoder.version, decoder.expiresAt]).toEqual([3, T + 100_000]);
    expect(decoder.decode(encodeRow(1, -5, -1, {}), 'k')).toEqual({ eventTs: -5, values: {} });
    expect([decoder.version, decoder.expiresAt]).toEqual([1, -1]);
  });

  it('round-trips every value type exactly, including non-finite numbers, -0 and unicode', () => {
    const values = {
      f: 0.1 + 0.2, i: 42, big: 1_764_000_000_123, tiny: 5e-324, max: Number.MAX_VALUE, nan: Number.NaN, inf: Number.POSITIVE_INFINITY,
      ninf: Number.NEGATIVE_INFINITY, negZero: -0, s: 'clïck "quoted" ✈️ 𝄞 e\u0301', empty: '', nul: 'a\u0000b',
      fl: [1.5, -2, 1e-9, Number.NaN, -0], sl: ['a|b', '{c}', '', '東京'], noNums: [], 'ünï cödé name': 1, '7': 7, __proto__x: 1,
    };
    const back = roundTrip(values);
    expect(back).toEqual(values);
    expect(Object.is(back['negZero'], -0)).toBe(true);
    expect(Object.is((back['fl'] as number[])[4], -0)).toBe(true);
    expect(Object.keys(back)).toEqual(Object.keys(values));
  });

  it('encodes row after row with one encoder: long and non-ASCII strings, values larger than its scratch buffer', () => {
    const encoder = new RowEncoder();
    const decoder = new RowDecoder();
    const rows: FeatureValues[] = [
      { id: 'h'.repeat(64), long: 'x'.repeat(65), accents: 'é'.repeat(70), mixed: ['a', 'ü', '✈️'.repeat(40)] },
      { big: Array.from({ length: 5000 }, (_, i) => i / 7), many: Array.from({ length: 3000 }, (_, i) => `item-${i}-ï`) },
      { id: 'short' },
    ];
    const bodies = rows.map((r) => encoder.body(T, T, r));
    bodies.forEach((body, i) => expect(decoder.decode(Buffer.concat([Buffer.from('wf1,1'), body]), 'k').values).toEqual(rows[i]));
  });

  it('keeps a field named __proto__ as an own field', () => {
    const values = JSON.parse('{"__proto__": 5, "a": [1]}') as FeatureValues;
    const back = roundTrip(values);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toBe(5);
    expect(back['a']).toEqual([1]);
  });

  it('drops undefined fields, as JSON did, and refuses values outside FeatureValue', () => {
    expect(roundTrip({ a: 1, b: undefined } as unknown as FeatureValues)).toEqual({ a: 1 });
    for (const bad of [null, true, { x: 1 }, [1, 'a'], [null]]) {
      expect(() => new RowEncoder().body(T, T, { bad } as unknown as FeatureValues)).toThrow(/field 'bad'/);
    }
  });

  it('decodes rows of several schemas with one decoder, verifying the cached schema byte for byte', () => {
    const decoder = new RowDecoder();
    const a = { x: 1, y: 'a' };
    const b = { x: 2, y: ['b'] };
    expect([roundTrip(a, decoder), roundTrip(b, decoder), roundTrip({ x: 3, y: 'c' }, decoder)]).toEqual([a, b, { x: 3, y: 'c' }]);
    // Forge b's schema hash to a's: the decoder must notice the schemas differ.
    const rawA = encodeRow(1, T, T, a);
    const rawB = encodeRow(1, T, T, b);
    const hashAt = 'wf1,1,1764000000000,1764000000000,'.length;
    rawA.copy(rawB, hashAt, hashAt, hashAt + 4);
    expect(decoder.decode(rawB, 'k').values).toEqual(b);
  });

  it('refuses a value it did not write, naming the key', () => {
    const decoder = new RowDecoder();
    const good = encodeRow(1, T, T, { a: 1, s: 'xyz', l: [1, 2] });
    const foreign = [
      Buffer.from('[3,1764000000000,1764000100000,{"a":1.5}]'), Buffer.from(''), Buffer.from('wf1,1,2,3,'), Buffer.from('wf1,x,2,3,abcdefgh'),
      good.subarray(0, good.length - 1), Buffer.concat([good, Buffer.from([0])]), Buffer.from(good).fill(0x7a, 40, 41),
      Buffer.from(good).fill(0x7a, 42, 43),
    ];
    for (const raw of foreign) expect(() => decoder.decode(raw, 'wf:{item=h1}:v')).toThrow(/key 'wf:\{item=h1\}:v' holds a value the store did not write/);
    expect(decoder.decode(good, 'k').values).toEqual({ a: 1, s: 'xyz', l: [1, 2] });
  });
});
