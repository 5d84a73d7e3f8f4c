/**
 * @module features/definitions.test
 * Validation of feature definitions: the defaults are valid, and each kind of mistake is named.
 */
import { describe, expect, it } from 'vitest';
import { defineFeatures, getView, stateFieldsOf, storedFieldsOf, type FeatureDefinitionsInput } from './definitions.ts';
import { WAYFARER_FEATURES, defaultFeatureDefinitions } from './defaults.ts';

const base = (): FeatureDefinitionsInput => structuredClone(WAYFARER_FEATURES);

describe('feature definitions', () => {
  it('accepts the defaults and freezes them', () => {
    const defs = defaultFeatureDefinitions();
    expect(defs.views.map((v) => v.name)).toEqual(['user_activity', 'user_taste', 'item_popularity', 'user_item_last']);
    expect(getView(defs, 'user_activity').features).toHaveLength(15);
    expect(Object.isFrozen(defs.views[0]!.features[0])).toBe(true);
  });

  it('derives the state fields stream features store', () => {
    const v = getView(defaultFeatureDefinitions(), 'user_taste');
    expect(v.features.flatMap(stateFieldsOf).map((f) => f.name)).toEqual(['_t_last_viewed', '_t_last_booked', '_w_pref_price', '_w_pref_stars']);
    expect(storedFieldsOf(v)).toHaveLength(9);
  });

  const cases: [string, (d: FeatureDefinitionsInput) => void, RegExp][] = [
    ['an unknown entity', (d) => { d.views[0]!.entity = 'nope'; }, /unknown entity 'nope'/],
    ['a duplicate view', (d) => { d.views.push(d.views[0]!); }, /duplicate view 'user_activity'/],
    ['a service ref to nothing', (d) => { d.services[0]!.features.push('item_popularity:nope'); }, /unknown feature 'item_popularity:nope'/],
    ['a type that does not match the aggregation', (d) => { d.views[0]!.features[0]!.type = 'float'; }, /window_count produces int, not float/],
    ['a stream feature without aggregation', (d) => { delete d.views[0]!.features[0]!.agg; }, /stream features need an agg/],
    ['a ratio over a later feature', (d) => { d.views[2]!.features.reverse(); }, /must be a feature listed earlier/],
    ['a stream view on a context entity', (d) => { d.views[0]!.entity = 'destination'; }, /must be keyed by user and\/or item/],
    ['a batch source with both query and path', (d) => { d.views[0]!.source = { type: 'batch', query: 'x', path: 'y' }; }, /exactly one of query or path/],
    ['a bad name', (d) => { d.views[0]!.name = 'User Activity'; }, /lower-case identifiers/],
    ['a non-positive TTL', (d) => { d.views[0]!.ttlMs = 0; }, /ttlMs/],
  ];
  for (const [what, mutate, message] of cases) {
    it(`rejects ${what}, naming it`, () => {
      const d = base();
      mutate(d);
      expect(() => defineFeatures(d)).toThrow(message);
    });
  }
});
