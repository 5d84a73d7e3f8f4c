/**
 * @module features/vectors.test
 * Service plans and the numeric matrix models consume.
 */
import { describe, expect, it } from 'vitest';
import { planService, toNumericMatrix } from './vectors.ts';
import { defaultFeatureDefinitions, RANKING_SERVICE } from './defaults.ts';

describe('planService', () => {
  it('groups the service by view and keeps its column order', () => {
    const plan = planService(defaultFeatureDefinitions(), RANKING_SERVICE);
    expect(plan.views.map((v) => [v.view.name, v.keyNames])).toEqual([
      ['user_activity', ['user']], ['user_taste', ['user']], ['item_popularity', ['item']], ['user_item_last', ['user', 'item']],
    ]);
    expect(plan.views.flatMap((v) => v.columns.map((c) => c.index)).sort((a, b) => a - b)).toEqual(plan.refs.map((_, i) => i));
    expect(() => planService(defaultFeatureDefinitions(), 'nope')).toThrow(/no feature service/);
  });
});

describe('toNumericMatrix', () => {
  it('keeps numbers, maps categories, tests list membership, and uses NaN for missing', () => {
    const m = toNumericMatrix(
      ['a:n', 'a:type', 'a:seen', 'a:emb'], ['float', 'string', 'string_list', 'float_list'], ['h1', 'h2'],
      [[1.5, 'click', ['h1', 'h9'], [1, 2]], [null, 'weird', null, null]],
      { 'a:type': ['search', 'click'] },
    );
    expect([...m]).toEqual([1.5, 1, 1, Number.NaN, Number.NaN, Number.NaN, 0, Number.NaN]);
  });
});
