import { describe, expect, it } from 'vitest';
import { binDataset, boundsFromDistinct, findFeatureBins, numericBin, sampleRows } from './binning.ts';
import { createDataset } from './dataset.ts';
import { histogramLayout } from './histogram.ts';

const noMissing = (min: number, max: number): { hasMissing: boolean; min: number; max: number } => ({ hasMissing: false, min, max });

describe('findFeatureBins', () => {
  it('gives a constant feature one bin and marks it unusable', () => {
    const fb = findFeatureBins(Float64Array.from([3, 3, 3, 3]), noMissing(3, 3), 255, 1);
    expect(Array.from(fb.upperBounds)).toEqual([Infinity]);
    expect(fb.usable).toBe(false);
    expect(fb.numBins).toBe(1);
  });

  it('handles an all-missing column: only the missing bin is populated, unusable', () => {
    const fb = findFeatureBins(new Float64Array(0), { hasMissing: true, min: NaN, max: NaN }, 255, 1);
    expect(fb.upperBounds.length).toBe(1);
    expect(fb.numBins).toBe(2);
    expect(fb.usable).toBe(false);
  });

  it('keeps a constant-but-sometimes-missing column usable (value vs NaN split)', () => {
    const fb = findFeatureBins(Float64Array.from([1, 1, 1]), { hasMissing: true, min: 1, max: 1 }, 255, 1);
    expect(fb.usable).toBe(true);
    expect(fb.numBins).toBe(2);
  });

  it('puts each of few distinct values in its own bin with midpoint bounds', () => {
    const fb = findFeatureBins(Float64Array.from([2, 0, 1, 2, 0, 1, 1]), noMissing(0, 2), 255, 1);
    expect(Array.from(fb.upperBounds)).toEqual([0.5, 1.5, Infinity]);
    expect(numericBin(fb.upperBounds, 0)).toBe(0);
    expect(numericBin(fb.upperBounds, 1)).toBe(1);
    expect(numericBin(fb.upperBounds, 0.5)).toBe(0); // value == bound stays in the lower bin (v <= bound)
    expect(numericBin(fb.upperBounds, 7)).toBe(2);
  });

  it('merges rare neighbours until a bin holds minDataInBin sample rows', () => {
    const b = boundsFromDistinct(Float64Array.from([1, 2, 3, 4]), Float64Array.from([1, 1, 5, 5]), 255, 2);
    expect(Array.from(b)).toEqual([2.5, 3.5, Infinity]);
  });

  it('caps many distinct values at maxBin bins and gives a heavy value its own bin', () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => i);
    const counts = new Float64Array(1000).fill(1);
    counts[500] = 400;
    const b = boundsFromDistinct(values, counts, 16, 1);
    expect(b.length).toBeLessThanOrEqual(16);
    const bin = numericBin(b, 500);
    expect(numericBin(b, 499)).toBeLessThan(bin);
    expect(numericBin(b, 501)).toBeGreaterThan(bin);
  });
});

describe('binDataset', () => {
  it('stores bins feature-major with a missing bin, consistent with the upper bounds', () => {
    const x = Float32Array.from([0, 5, 1, NaN, 2, 5, 3, 5, NaN, 5]);
    const ds = createDataset({ features: x, labels: [0, 0, 0, 0, 0], numFeatures: 2 });
    const b = binDataset(ds, { maxBin: 255, minDataInBin: 1, sampleCount: 100, seed: 1 });
    const [f0, f1] = b.features;
    expect(f0!.hasMissing).toBe(true);
    expect(f1!.hasMissing).toBe(true);
    expect(f1!.usable).toBe(true);
    expect(Array.from(b.bins.subarray(0, 5))).toEqual([0, 1, 2, 3, f0!.upperBounds.length]);
    expect(b.bins[5 + 4]).toBe(0); // feature 1, row 4 holds 5 → its only numeric bin
    expect(b.bins[5 + 1]).toBe(f1!.upperBounds.length); // feature 1, row 1 is NaN → missing bin
    const layout = histogramLayout(b);
    expect(layout.size).toBe(3 * (f0!.numBins + f1!.numBins));
  });

  it('samples rows deterministically by seed', () => {
    expect(Array.from(sampleRows(100, 10, 7))).toEqual(Array.from(sampleRows(100, 10, 7)));
    expect(sampleRows(100, 10, 7).length).toBe(10);
    expect(Array.from(sampleRows(5, 10, 7))).toEqual([0, 1, 2, 3, 4]);
  });
});
