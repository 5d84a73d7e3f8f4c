/**
 * @module features/describe.test
 * Output helpers of `wayfarer features list|describe`.
 */
import { describe, expect, it } from 'vitest';
import { describeFeatures, listFeatures } from './describe.ts';
import { defaultFeatureDefinitions } from './defaults.ts';

const defs = defaultFeatureDefinitions();

describe('listFeatures / describeFeatures', () => {
  it('lists every feature with its type, entity, TTL and source', () => {
    const out = listFeatures(defs);
    expect(out.split('\n')[0]).toMatch(/^FEATURE\s+TYPE\s+ENTITY\s+TTL\s+SOURCE$/);
    expect(out).toMatch(/user_activity:click_count_1h\s+int\s+user\s+8d\s+stream/);
    expect(out).toContain('4 views, 30 features; services: ranking (22 features)');
  });

  it('describes a view, a service and a feature', () => {
    expect(describeFeatures(defs, 'item_popularity')).toMatch(/cvr_1d\s+float\s+\(bookings_1d \+ 5·0\.05\) \/ \(clicks_1d \+ 5\)/);
    expect(describeFeatures(defs, 'ranking')).toContain('1. user_activity:click_count_1h');
    expect(describeFeatures(defs, 'user_taste:pref_price')).toContain('computed as: weighted mean item price (click×1, booking×4)');
    expect(() => describeFeatures(defs, 'nope')).toThrow(/no feature view, service or feature/);
  });
});
