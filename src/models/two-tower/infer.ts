/**
 * @module models/two-tower/infer
 * Serving-time embeddings with the in-process forward pass: one user per request (tens of µs),
 * items in batches, and the cold-start variants (unknown id → features / context only). Scores
 * between a user and item embeddings are dot products of unit vectors (divide by τ for logits).
 */
import type { Item } from '../../domain/types.ts';
import type { UserQuery } from './encoding.ts';
import { ITEM_FIELD_COUNT, USER_FIELD_COUNT } from './encoding.ts';
import { gatherItem, gatherUser, mlpForward } from './forward.ts';
import type { TwoTowerModel } from './model.ts';
import { UNKNOWN } from './vocab.ts';

interface Scratch {
  fields: Int32Array;
  recent: Int32Array;
  x: Float32Array;
  hidden: Float32Array;
}

const scratches = new WeakMap<TwoTowerModel, Scratch>();

function scratch(model: TwoTowerModel): Scratch {
  let s = scratches.get(model);
  if (s === undefined) {
    const l = model.layout;
    s = {
      fields: new Int32Array(Math.max(USER_FIELD_COUNT, ITEM_FIELD_COUNT)), recent: new Int32Array(model.config.recentItems),
      x: new Float32Array(Math.max(l.user.inputDim, l.item.inputDim)), hidden: new Float32Array(l.hiddenDim),
    };
    scratches.set(model, s);
  }
  return s;
}

/** Embedding of already-encoded user fields (USER_FIELDS order) and recent item indices. */
export function userEmbeddingEncoded(model: TwoTowerModel, fields: Int32Array, recent: Int32Array, fAt = 0, rAt = 0): Float32Array {
  const s = scratch(model);
  const l = model.layout;
  const out = new Float32Array(l.outputDim);
  gatherUser(model.params, l, fields, fAt, recent, rAt, model.config.recentItems, s.x, 0);
  mlpForward(model.params, l.user, l.hiddenDim, l.outputDim, s.x, 1, out, s.hidden);
  return out;
}

/**
 * The user tower for one request: a unit vector of length `model.dim`. An unknown or absent user
 * id takes the cold-start path (context, device, country and recent items only).
 */
export function userEmbedding(model: TwoTowerModel, query: UserQuery): Float32Array {
  const s = scratch(model);
  model.encoder.encodeUser(query, s.fields, 0, s.recent, 0);
  return userEmbeddingEncoded(model, s.fields, s.recent);
}

/** The user tower with the id ignored, as for a brand-new user. */
export function coldStartUserEmbedding(model: TwoTowerModel, query: UserQuery): Float32Array {
  return userEmbedding(model, { ...query, userId: null });
}

/** Embeddings of items given as encoded feature rows (ITEM_FIELDS order, `count` rows): count × dim floats. */
export function itemEmbeddingsEncoded(model: TwoTowerModel, features: Int32Array, count: number, dropIds = false): Float32Array {
  const s = scratch(model);
  const l = model.layout;
  const out = new Float32Array(count * l.outputDim);
  const row = new Float32Array(l.outputDim);
  for (let i = 0; i < count; i++) {
    gatherItem(model.params, l, features, i * ITEM_FIELD_COUNT, s.x, 0, dropIds);
    mlpForward(model.params, l.item, l.hiddenDim, l.outputDim, s.x, 1, row, s.hidden);
    out.set(row, i * l.outputDim);
  }
  return out;
}

export interface ItemEmbeddingOptions {
  /** Ignore the item ids (cold start: an embedding from catalogue features alone). Default false. */
  coldStart?: boolean;
}

/**
 * Item tower for a batch: items.length × dim floats, row i for items[i]. Items unknown to the
 * model (added after training) get the cold-start embedding automatically.
 */
export function itemEmbeddings(model: TwoTowerModel, items: readonly Item[], options: ItemEmbeddingOptions = {}): Float32Array {
  const features = encodeItems(model, items, options.coldStart === true);
  return itemEmbeddingsEncoded(model, features, items.length);
}

/** The item tower of one item from its features alone (unknown id). */
export function coldStartItemEmbedding(model: TwoTowerModel, item: Item): Float32Array {
  return itemEmbeddings(model, [item], { coldStart: true });
}

/** Encoded feature rows of items (ITEM_FIELD_COUNT per item). */
export function encodeItems(model: TwoTowerModel, items: readonly Item[], dropIds = false): Int32Array {
  const features = new Int32Array(items.length * ITEM_FIELD_COUNT);
  items.forEach((it, i) => model.encoder.encodeItem(it, features, i * ITEM_FIELD_COUNT, dropIds));
  return features;
}

/** Whether the model has an id embedding for this item (false → cold start). */
export function knowsItem(model: TwoTowerModel, itemId: string): boolean {
  return model.encoder.items.indexOf(itemId) !== UNKNOWN;
}

/** Dot products of one user embedding with `count` item embeddings (row-major): cosine similarities. */
export function scoreItems(user: Float32Array, items: Float32Array, count: number): Float32Array {
  const d = user.length;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += (user[k] as number) * (items[i * d + k] as number);
    out[i] = s;
  }
  return out;
}
