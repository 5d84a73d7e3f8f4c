/**
 * @module test/contract/online-features.test
 * Runs the online features contract against the in-memory adapter (Redis runs it in test/integration).
 */
import { MemoryOnlineFeatures } from '../../src/adapters/memory/memory-online-features.ts';
import { onlineFeaturesContract } from './online-features.contract.ts';

onlineFeaturesContract('MemoryOnlineFeatures', {
  open: async (clock, eventDedupTtlMs) => new MemoryOnlineFeatures({ clock, eventDedupTtlMs }),
});
