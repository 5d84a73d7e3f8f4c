/**
 * @module features/entity-key
 * Encoding of entity keys: `name=id` components joined by `|`, ids escaped so that any string is safe
 * (including the `{`/`}` of Redis hash tags). The first component is the key's partition.
 */
import type { EntityKey } from '../ports/features.ts';
import { InvalidInputError } from '../errors.ts';

const NAME = /^[a-z][a-z0-9_]*$/;
const ESCAPES: Readonly<Record<string, string>> = { '%': '%25', '|': '%7C', '=': '%3D', '{': '%7B', '}': '%7D' };

const SPECIAL = /[%|={}]/;

/** An id as it appears in a key (most ids have nothing to escape: no copy). */
export function escapeId(id: string): string {
  return SPECIAL.test(id) ? id.replace(/[%|={}]/g, (c) => ESCAPES[c] ?? c) : id;
}

/** Build a key from (component name, id) pairs, in the entity's key order. */
export function makeEntityKey(parts: readonly (readonly [string, string])[]): EntityKey {
  if (parts.length === 0) throw new InvalidInputError('an entity key needs at least one component');
  return parts.map(([name, id]) => {
    if (!NAME.test(name)) throw new InvalidInputError(`bad entity key component name '${name}'`);
    return `${name}=${escapeId(id)}`;
  }).join('|');
}

/** The (component name, id) pairs of a key. */
export function parseEntityKey(key: EntityKey): [string, string][] {
  return key.split('|').map((part) => {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq);
    if (eq < 1 || !NAME.test(name)) throw new InvalidInputError(`bad entity key '${key}'`);
    return [name, decodeURIComponent(part.slice(eq + 1))];
  });
}

/** The partition of a key: its first component (`user=u1` for `user=u1|item=h7`). */
export function partitionOf(key: EntityKey): EntityKey {
  const bar = key.indexOf('|');
  return bar < 0 ? key : key.slice(0, bar);
}

/**
 * The key of `components` for an entity whose key components are `names` (valid names, as definitions
 * guarantee); undefined when one is missing.
 */
export function keyFor(names: readonly string[], components: Readonly<Record<string, string | undefined>>): EntityKey | undefined {
  let key = '';
  for (const name of names) {
    const id = components[name];
    if (id === undefined) return undefined;
    key += `${key === '' ? '' : '|'}${name}=${escapeId(id)}`;
  }
  return key;
}

export const userKey = (userId: string): EntityKey => makeEntityKey([['user', userId]]);
export const itemKey = (itemId: string): EntityKey => makeEntityKey([['item', itemId]]);
export const userItemKey = (userId: string, itemId: string): EntityKey => makeEntityKey([['user', userId], ['item', itemId]]);
