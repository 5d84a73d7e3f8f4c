/**
 * `wayfarer features list|describe|materialize`, run in-process: registerFeatureCommands on a fresh
 * commander program per call, with a CliContext that captures stdout/stderr lines. Materialisation runs
 * against the local Redis (unique key prefix, deleted after): history written through the in-memory
 * store is moved online, read back through a Redis-backed store, and a second run moves nothing new.
 */
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { UsageError } from '../../src/cli/context.ts';
import { isoFlag, registerFeatureCommands } from '../../src/cli/features.ts';
import { NotFoundError } from '../../src/errors.ts';
import { FeatureRegistry } from '../../src/features/registry.ts';
import { WAYFARER_FEATURES } from '../../src/features/defaults.ts';
import { featureArtifactsOf, openFeatureStore } from '../../src/features/open-feature-store.ts';
import { recordLookup, syntheticEvents, syntheticItems, tempDir } from '../../src/features/testing.ts';
import { probeService } from '../support/services.ts';
import { deleteByPrefix, uniquePrefix } from '../integration/redis-features-support.ts';

const redis = await probeService('redis');

interface Captured { out: string[]; info: string[] }

/** Run `wayfarer <args>` in-process against a config built from `json` and `env`. */
async function wayfarer(json: object, env: Record<string, string>, ...args: string[]): Promise<Captured> {
  const captured: Captured = { out: [], info: [] };
  const config = loadConfig(JSON.stringify(json), env);
  const ctx: CliContext = { config: () => config, out: (l) => captured.out.push(l), info: (l) => captured.info.push(l) };
  const program = new Command('wayfarer').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerFeatureCommands(program, ctx);
  await program.parseAsync(args, { from: 'user' });
  return captured;
}

describe('wayfarer features', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeAll(async () => { ({ dir, remove } = await tempDir('features-cli')); });
  afterAll(async () => { await remove(); });

  it('lists the default definitions when none are registered', async () => {
    const { out, info } = await wayfarer({ dataDir: dir }, {}, 'features', 'list');
    const text = out.join('\n');
    expect(text).toMatch(/^FEATURE\s+TYPE\s+ENTITY\s+TTL\s+SOURCE/);
    expect(text).toMatch(/user_taste:pref_price\s+float\s+user\s+180d\s+stream/);
    expect(text).toMatch(/services: ranking \(\d+ features\)/);
    expect(info.join('\n')).toContain('Wayfarer defaults');
  });

  it('lists the latest registered version', async () => {
    const own = path.join(dir, 'registered');
    const spec = { ...WAYFARER_FEATURES, views: WAYFARER_FEATURES.views.filter((v) => v.name === 'user_taste'), services: [] };
    const { version } = await new FeatureRegistry(featureArtifactsOf(loadConfig(JSON.stringify({ dataDir: own }), {}))).register(spec);
    const { out, info } = await wayfarer({ dataDir: own }, {}, 'features', 'list');
    expect(info.join('\n')).toContain(`registered version ${version}`);
    expect(out.join('\n')).not.toContain('user_activity');
    expect(out.join('\n')).toContain('1 views, 5 features; services: none');
  });

  it('describes a view, a service and a feature, and names an unknown one', async () => {
    const view = (await wayfarer({ dataDir: dir }, {}, 'features', 'describe', 'item_popularity')).out.join('\n');
    expect(view).toMatch(/^view item_popularity/);
    expect(view).toContain('ttl: 60d');
    const service = (await wayfarer({ dataDir: dir }, {}, 'features', 'describe', 'ranking')).out.join('\n');
    expect(service).toMatch(/^service ranking/);
    const feature = (await wayfarer({ dataDir: dir }, {}, 'features', 'describe', 'user_taste:pref_price')).out.join('\n');
    expect(feature).toContain('used by: ranking');
    await expect(wayfarer({ dataDir: dir }, {}, 'features', 'describe', 'nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('checks materialize flags and refuses the in-memory online store', async () => {
    await expect(wayfarer({ dataDir: dir }, {}, 'features', 'materialize', '--start', '2026-06-01T00:00', '--end', '2026-06-02'))
      .rejects.toThrow(/--start must be an ISO date .* with its zone/);
    await expect(wayfarer({ dataDir: dir }, {}, 'features', 'materialize', '--start', '2026-06-02', '--end', '2026-06-01'))
      .rejects.toThrow(/--start must be before --end/);
    await expect(wayfarer({ dataDir: dir }, {}, 'features', 'materialize', '--start', '2026-06-01', '--end', '2026-06-02'))
      .rejects.toThrow(UsageError);
    await expect(wayfarer({ dataDir: dir }, {}, 'features', 'materialize', '--start', '2026-06-01', '--end', '2026-06-02'))
      .rejects.toThrow(/needs Redis/);
    expect(isoFlag('x', '2026-06-01T12:00:00+02:00')).toBe(Date.UTC(2026, 5, 1, 10));
  });

  describe.skipIf(redis.url === undefined)(`materialize on Redis${redis.skipReason === undefined ? '' : ` — ${redis.skipReason}`}`, () => {
    const prefix = uniquePrefix('wf_test_cli_mat');
    afterAll(async () => { if (redis.url !== undefined) await deleteByPrefix(redis.url, prefix); });

    it('moves the offline history online, resumably: a second run moves nothing', async () => {
      const data = path.join(dir, 'mat');
      const items = syntheticItems(20);
      // Near the real time: Redis expires keys by its own clock.
      const start = Math.floor(Date.now() / 1000) * 1000 - 7_200_000;
      const events = syntheticEvents({ count: 300, users: 5, items: 20, start, gapMs: 1000 });
      // History written by a server with the in-memory online store (its online rows die with it).
      const writer = await openFeatureStore(loadConfig(JSON.stringify({ dataDir: data }), {}), { itemLookup: recordLookup(items) });
      await writer.applyEvents(events);
      const expected = await writer.readForRanking('u0', ['h1', 'h2']);
      await writer.close();

      const env = { WAYFARER_REDIS_URL: redis.url!, WAYFARER_REDIS_PREFIX: prefix };
      const range = ['--start', new Date(start - 60_000).toISOString(), '--end', new Date(Date.now() + 60_000).toISOString()];
      const first = await wayfarer({ dataDir: data }, env, 'features', 'materialize', ...range);
      expect(first.info.join('\n')).toContain(`into ${redis.url}`);
      expect(first.out.find((l) => l.startsWith('user_activity:'))).toMatch(/^user_activity: [1-9]\d* new segments, [1-9]\d* rows written online, watermark \S+$/);

      const reader = await openFeatureStore(loadConfig(JSON.stringify({ dataDir: path.join(dir, 'mat-reader') }), env), { itemLookup: recordLookup(items) });
      const got = await reader.readForRanking('u0', ['h1', 'h2']);
      await reader.close();
      expect(got.columns).toEqual(expected.columns);
      // Columns that do not move between the two reads (decayed counts do, with the clock).
      for (const ref of ['user_activity:click_count_7d', 'user_taste:pref_price', 'user_taste:last_viewed', 'user_item_last:last_ts']) {
        const i = got.columns.indexOf(ref);
        expect(i, ref).toBeGreaterThanOrEqual(0);
        expect(got.values.map((r) => r[i]), ref).toEqual(expected.values.map((r) => r[i]));
      }
      const col = got.columns.indexOf('user_activity:click_count_7d');
      expect(got.values[0]?.[col]).toBe(events.filter((e) => e.userId === 'u0' && e.type === 'click').length);

      const second = await wayfarer({ dataDir: data }, env, 'features', 'materialize', ...range);
      expect(second.out.every((l) => / 0 new segments, 0 rows written online/.test(l))).toBe(true);
    });
  });
});
