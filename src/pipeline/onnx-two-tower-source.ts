/**
 * @module pipeline/onnx-two-tower-source
 * Imported ONNX towers (`loadOnnxTowers`) as the towers of a TwoTowerSource: the user tower per
 * request and the item tower on upserts run through onnxruntime, asynchronously; closing waits
 * for the runs in flight before the sessions are released.
 */
import type { Item } from '../domain/types.ts';
import { ERROR_CODES, RecsysError } from '../errors.ts';
import type { OnnxTowers, UserQuery } from '../models/two-tower/index.ts';
import type { OnnxSourceTowers } from './two-tower-source.ts';

/** Wrap loaded ONNX towers for a TwoTowerSource; the source owns them from then on (its `close` releases them). */
export function onnxSourceTowers(towers: OnnxTowers): OnnxSourceTowers {
  const inFlight = new Set<Promise<unknown>>();
  let closing = false;
  const run = <T>(start: () => Promise<T>): Promise<T> => {
    if (closing) return Promise.reject(new RecsysError({ code: ERROR_CODES.NOT_READY, message: 'two-tower: the ONNX towers are closed' }));
    const p = start();
    const done = (): void => { inFlight.delete(p); };
    inFlight.add(p);
    p.then(done, done);
    return p;
  };
  return {
    kind: 'onnx',
    dim: towers.dim,
    userVector: (query: UserQuery) => run(() => towers.userEmbedding(query)),
    itemVectors: (items: readonly Item[]) => run(() => towers.itemEmbeddings(items)),
    async close() {
      if (closing) return;
      closing = true;
      await Promise.allSettled([...inFlight]);
      try {
        await towers.close();
      } catch {
        // Releasing native sessions at shutdown: nothing useful can be done about a failure here.
      }
    },
  };
}
