/**
 * @module adapters/redis/redis-keys.test
 * The Redis key design: one hash tag per partition, user×item rows and markers in the user's slot.
 */
import { describe, expect, it } from 'vitest';
import { hashTagOf, markerKey, rowKey } from './redis-keys.ts';
import { itemKey, userItemKey, userKey } from '../../features/entity-key.ts';

describe('redis keys', () => {
  it('tags keys by their partition', () => {
    expect(rowKey('wf:', 'user_activity', userKey('u1'))).toBe('wf:{user=u1}:user_activity');
    expect(rowKey('wf:', 'user_item_last', userItemKey('u1', 'h7'))).toBe('wf:{user=u1}:user_item_last:item=h7');
    expect(markerKey('wf:', userKey('u1'), 'ev{1}')).toBe('wf:{user=u1}:~ev:ev{1}');
    const tags = [rowKey('p:', 'a', userKey('u1')), rowKey('p:', 'b', userItemKey('u1', 'x')), markerKey('p:', userKey('u1'), 'e')].map(hashTagOf);
    expect(new Set(tags)).toEqual(new Set(['user=u1']));
    expect(hashTagOf(rowKey('p:', 'a', itemKey('{evil}')))).toBe('item=%7Bevil%7D');
  });
});
