/**
 * @module features/materialize
 * Materialisation: move the latest offline value of every entity into the online store, incrementally.
 * The offline history is immutable segments in write order, so "what changed since the last run" is the
 * segments after a per-view watermark, persisted in the ArtifactStore after each chunk of segments: an
 * interrupted run resumes where it stopped. Online writes are newer-wins, so re-running a chunk, or a
 * segment holding older values than what streaming already wrote, never makes a value go back in time.
 */
import type { ArtifactStore } from '../ports/artifacts.ts';
import type { OfflineFeatureReader, OnlineFeatureWriter } from '../ports/features.ts';
import { RecsysError, ERROR_CODES } from '../errors.ts';
import { getView, type FeatureDefinitions } from './definitions.ts';

export const WATERMARK_KEY = 'features/materialize/watermark.json';
const FORMAT = 'materialize-watermark@1';

export interface MaterializeProgress {
  view: string;
  segmentsDone: number;
  segmentsTotal: number;
  /** Latest-per-entity rows handed to the online store so far in this run (it skips expired ones and ones older than it holds). */
  rowsMoved: number;
}

export interface MaterializeOptions {
  definitions: FeatureDefinitions;
  /** Where the watermark lives. */
  artifacts: ArtifactStore;
  /** Only rows with start ≤ eventTs < end (UTC ms) are moved. */
  start: number;
  end: number;
  /** Views to materialise (default: every view). */
  views?: readonly string[];
  /** Segments per resumable step (default 16). */
  segmentsPerStep?: number;
  /** Rows per online write (default 5,000). */
  batchSize?: number;
  onProgress?: (p: MaterializeProgress) => void;
  clock?: () => number;
}

export interface MaterializeResult {
  views: { view: string; segments: number; rows: number; watermark: string | null }[];
}

interface Watermark {
  format: typeof FORMAT;
  /** Per view, the last segment moved and when (UTC ms). */
  views: Record<string, { lastSegment: string; updatedAt: number }>;
}

/** The persisted watermark (empty when none). */
export async function readWatermark(artifacts: ArtifactStore): Promise<Watermark> {
  const bytes = await artifacts.get(WATERMARK_KEY);
  if (bytes === undefined) return { format: FORMAT, views: {} };
  const w = JSON.parse(Buffer.from(bytes).toString('utf8')) as Watermark;
  if (w.format !== FORMAT) throw new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `materialisation watermark: unknown format '${String(w.format)}'` });
  return w;
}

/** Move what changed since the last run; returns per-view counts and the new watermarks. */
export async function materialize(offline: OfflineFeatureReader, online: OnlineFeatureWriter, opts: MaterializeOptions): Promise<MaterializeResult> {
  const clock = opts.clock ?? Date.now;
  const views = opts.views ?? opts.definitions.views.map((v) => v.name);
  const step = opts.segmentsPerStep ?? 16;
  const watermark = await readWatermark(opts.artifacts);
  const result: MaterializeResult = { views: [] };
  for (const name of views) {
    const view = getView(opts.definitions, name);
    const after = watermark.views[name]?.lastSegment;
    const todo = (await offline.listSegments(name)).filter((s) => after === undefined || s > after);
    let rows = 0;
    opts.onProgress?.({ view: name, segmentsDone: 0, segmentsTotal: todo.length, rowsMoved: 0 });
    for (let i = 0; i < todo.length; i += step) {
      const chunk = todo.slice(i, i + step);
      for await (const batch of offline.scanLatest(name, chunk, { start: opts.start, end: opts.end }, opts.batchSize ?? 5000)) {
        await online.write(batch.map((r) => ({ key: r.key, view: name, eventTs: r.eventTs, values: r.values, ttlMs: view.ttlMs })));
        rows += batch.length;
      }
      watermark.views[name] = { lastSegment: chunk[chunk.length - 1]!, updatedAt: clock() };
      await opts.artifacts.put(WATERMARK_KEY, JSON.stringify(watermark, null, 1));
      opts.onProgress?.({ view: name, segmentsDone: Math.min(i + step, todo.length), segmentsTotal: todo.length, rowsMoved: rows });
    }
    result.views.push({ view: name, segments: todo.length, rows, watermark: watermark.views[name]?.lastSegment ?? null });
  }
  return result;
}
