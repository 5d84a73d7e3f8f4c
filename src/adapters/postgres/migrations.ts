/**
 * @module adapters/postgres/migrations
 * Versioned schema migrations. Append new ones; never edit one that has shipped.
 * `{s}` stands for the quoted schema name.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'canonical model: users, items, interactions, blocks',
    sql: `
CREATE TABLE {s}.users (
  id           text PRIMARY KEY,
  home_country text,
  device       text,
  attributes   jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE {s}.items (
  id           text PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('hotel', 'city', 'destination', 'listing')),
  name         text,
  city         text,
  country      text,
  lat          double precision CHECK (lat BETWEEN -90 AND 90),
  lon          double precision CHECK (lon BETWEEN -180 AND 180),
  price        double precision CHECK (price >= 0),
  stars        real CHECK (stars BETWEEN 0 AND 5),
  review_score real CHECK (review_score BETWEEN 0 AND 10),
  chain        text,
  status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'invalid')),
  available    boolean,
  attributes   jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX items_city_idx ON {s}.items (city);
CREATE TABLE {s}.interactions (
  event_id   text PRIMARY KEY,
  user_id    text NOT NULL,
  item_id    text NOT NULL,
  type       text NOT NULL CHECK (type IN ('search', 'impression', 'click', 'booking', 'rating')),
  value      double precision,
  ts         timestamptz NOT NULL,
  session_id text,
  context    jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX interactions_user_ts_idx ON {s}.interactions (user_id, ts DESC);
CREATE INDEX interactions_ts_idx ON {s}.interactions (ts, event_id);
CREATE TABLE {s}.blocks (
  item_id    text NOT NULL,
  user_id    text,
  reason     text,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- One row per (item, user); NULL user = global block. The expression keeps NULLs distinct-free on PostgreSQL < 15.
CREATE UNIQUE INDEX blocks_item_user_idx ON {s}.blocks (item_id, (coalesce(user_id, '')));
`,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
