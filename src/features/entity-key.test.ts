/**
 * @module features/entity-key.test
 * Entity keys: any id round-trips, hash-tag braces are escaped, partitions are the first component.
 */
import { describe, expect, it } from 'vitest';
import { itemKey, keyFor, makeEntityKey, parseEntityKey, partitionOf, userItemKey, userKey } from './entity-key.ts';

describe('entity keys', () => {
  it('encodes components in order and round-trips awkward ids', () => {
    expect(userItemKey('u1', 'h7')).toBe('user=u1|item=h7');
    for (const id of ['a|b', 'x=y', '{tag}', '100%', '%7C', 'ünï cödé', '']) {
      expect(parseEntityKey(makeEntityKey([['user', id], ['item', id]]))).toEqual([['user', id], ['item', id]]);
    }
    expect(userKey('{a}')).not.toMatch(/[{}]/);
  });

  it('takes the partition from the first component', () => {
    expect(partitionOf(userItemKey('u|1', 'h'))).toBe(userKey('u|1'));
    expect(partitionOf(itemKey('h'))).toBe(itemKey('h'));
  });

  it('builds a key from named ids, undefined when one is missing', () => {
    expect(keyFor(['user', 'item'], { item: 'h', user: 'u', destination: 'x' })).toBe('user=u|item=h');
    expect(keyFor(['destination'], { user: 'u' })).toBeUndefined();
  });

  it('rejects bad component names and keys', () => {
    expect(() => makeEntityKey([['User', 'x']])).toThrow(/component name/);
    expect(() => makeEntityKey([])).toThrow();
    expect(() => parseEntityKey('nokey')).toThrow(/bad entity key/);
  });
});
