/**
 * @module cli/features
 * `wayfarer features list|describe|materialize`: print the feature definitions (the latest registered
 * version, else Wayfarer's defaults), and move the latest offline values into the online store
 * incrementally (a per-view watermark makes an interrupted run resume where it stopped).
 */
import type { Command } from 'commander';
import { describeFeatures, listFeatures } from '../features/describe.ts';
import { materialize, type MaterializeProgress } from '../features/materialize.ts';
import { featureArtifactsOf, loadFeatureDefinitions, offlineDirOf, openFeatureStore } from '../features/open-feature-store.ts';
import { getView } from '../features/definitions.ts';
import { intFlag, UsageError, type CliContext } from './context.ts';
import { createProgress, type Progress } from './progress.ts';

interface MaterializeFlags {
  start: string;
  end: string;
  views?: string;
  segmentsPerStep: string;
}

export function registerFeatureCommands(program: Command, ctx: CliContext): void {
  const features = program.command('features').description('inspect feature definitions and materialise features online');

  features.command('list')
    .description('every feature: type, entity, TTL, source; and the feature services')
    .action(async () => {
      const { definitions, version } = await loadFeatureDefinitions(featureArtifactsOf(ctx.config()));
      ctx.info(versionNote(version));
      ctx.out(listFeatures(definitions));
    });

  features.command('describe')
    .description('details of a feature view, a feature service or one view:feature')
    .argument('<name>', 'a view (user_activity), a service (ranking) or a feature (user_taste:pref_price)')
    .action(async (name: string) => {
      const { definitions } = await loadFeatureDefinitions(featureArtifactsOf(ctx.config()));
      ctx.out(describeFeatures(definitions, name));
    });

  features.command('materialize')
    .description('move the latest offline value of every entity into the online store (Redis); resumable and incremental')
    .requiredOption('--start <iso>', 'only values with event time ≥ start (UTC: 2026-06-01 or 2026-06-01T12:00:00Z)')
    .requiredOption('--end <iso>', 'only values with event time < end')
    .option('--views <list>', 'comma-separated views (default: every view)')
    .option('--segments-per-step <n>', 'offline segments per resumable step', '16')
    .action(async (flags: MaterializeFlags) => runMaterialize(ctx, flags));
}

function versionNote(version: string | undefined): string {
  return version === undefined ? 'definitions: Wayfarer defaults (none registered)' : `definitions: registered version ${version}`;
}

/** UTC ms of an ISO date or date-time; a date-time must say its zone (Z or ±hh:mm), never local time. */
export function isoFlag(name: string, value: string): number {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  const ms = Date.parse(value);
  if ((!dateOnly && !zoned) || Number.isNaN(ms)) {
    throw new UsageError(`--${name} must be an ISO date (2026-06-01) or a date-time with its zone (2026-06-01T12:00:00Z), got '${value}'`);
  }
  return ms;
}

async function runMaterialize(ctx: CliContext, flags: MaterializeFlags): Promise<void> {
  const start = isoFlag('start', flags.start);
  const end = isoFlag('end', flags.end);
  if (start >= end) throw new UsageError(`--start must be before --end, got ${flags.start} and ${flags.end}`);
  const segmentsPerStep = intFlag('segments-per-step', flags.segmentsPerStep, 1);
  const config = ctx.config();
  if (config.redis.url === undefined) {
    // The in-memory online store dies with this process, while the watermark would record the segments as moved.
    throw new UsageError('features materialize needs Redis (the in-memory online store lives inside the server process): '
      + 'set redis.url in the config or WAYFARER_REDIS_URL');
  }
  const store = await openFeatureStore(config, { itemLookup: async () => new Map() });
  let bar: Progress | undefined;
  try {
    const views = flags.views?.split(',').map((v) => v.trim()).filter((v) => v !== '');
    for (const v of views ?? []) getView(store.definitions, v);
    ctx.info(`materialising ${flags.start} … ${flags.end} from ${offlineDirOf(config)} into ${store.onlineLocation} (${versionNote(store.definitionsVersion)})`);
    const onProgress = (p: MaterializeProgress): void => {
      if (p.segmentsDone === 0) {
        bar?.done();
        bar = createProgress(`materialize ${p.view}`, p.segmentsTotal);
      }
      bar?.update(p.segmentsDone, `${p.segmentsDone}/${p.segmentsTotal} segments, ${p.rowsMoved} rows`);
    };
    const result = await materialize(store.offline, store.online, {
      definitions: store.definitions, artifacts: store.artifacts, start, end, segmentsPerStep, onProgress,
      ...(views === undefined ? {} : { views }),
    });
    bar?.done();
    for (const v of result.views) {
      ctx.out(`${v.view}: ${v.segments} new segments, ${v.rows} rows written online, watermark ${v.watermark ?? '(none)'}`);
    }
  } finally {
    bar?.done();
    await store.close();
  }
}
