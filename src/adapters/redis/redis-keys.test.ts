/**
 * @module adapters/redis/redis-keys.test
 * The Redis key design: one hash tag per partition, user×item rows (fields of the user's hash) and
 * markers in the user's slot.
 */
import { describe, expect, it } from 'vitest';
import { hashTagOf, markerKey, rowAddress, rowKey } from './redis-keys.ts';
import { itemKey, userItemKey, userKey } from '../../features/entity-key.ts';

describe('redis keys', () => {
  it('tags keys by their partition', () => {
    expect(rowKey('wf:', 'user_activity', userKey('u1'))).toBe('wf:{user=u1}:user_activity');
    expect(rowKey('wf:', 'user_item_last', userItemKey('u1', 'h7'))).toBe('wf:{user=u1}:user_item_last');
    expect(rowAddress('wf:', 'user_item_last', userItemKey('u1', 'h|7'))).toEqual({ key: 'wf:{user=u1}:user_item_last', field: 'item=h%7C7' });
    expect(rowAddress('wf:', 'user_activity', userKey('u1'))).toEqual({ key: 'wf:{user=u1}:user_activity', field: '' });
    expect(markerKey('wf:', userKey('u1'), 'ev{1}')).toBe('wf:{user=u1}:~ev:ev{1}');
    const tags = [rowKey('p:', 'a', userKey('u1')), rowKey('p:', 'b', userItemKey('u1', 'x')), markerKey('p:', userKey('u1'), 'e')].map(hashTagOf);
    expect(new Set(tags)).toEqual(new Set(['user=u1']));
    expect(hashTagOf(rowKey('p:', 'a', itemKey('{evil}')))).toBe('item=%7Bevil%7D');
  });
});
