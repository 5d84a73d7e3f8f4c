/**
 * @module features/feature-store.test
 * The feature store facade on the in-memory online store and DuckDB offline store (Redis runs the same
 * scenarios in test/integration/redis-feature-store.test.ts).
 */
import { MemoryOnlineFeatures } from '../adapters/memory/memory-online-features.ts';
import { featureStoreScenarios } from './feature-store.scenarios.ts';

featureStoreScenarios('MemoryOnlineFeatures', async (clock) => new MemoryOnlineFeatures({ clock }));
