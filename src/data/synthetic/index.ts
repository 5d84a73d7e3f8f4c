/**
 * @module data/synthetic
 * Public surface of the synthetic travel marketplace: generation, the hidden truth and its files,
 * and CSV export.
 */
export {
  generateMarketplace, DEFAULT_BATCH_SIZE, DEFAULT_DAYS, DEFAULT_LATENT_DIM, DEFAULT_START_TS,
  type Marketplace, type MarketplaceBatches, type MarketplaceOptions, type MarketplaceStats,
} from './marketplace.ts';
export {
  createTruth, trueUtility, TRUTH_FORMAT, USER_PREF_STRIDE, ITEM_ATTR_STRIDE,
  type HiddenTruth, type TruthData, type UtilityWeights,
} from './truth.ts';
export { examinedClickProbability, resemblance } from './sessions.ts';
export { loadTruth, saveTruth, TRUTH_HEADER_FILE, type TruthHeader } from './truth-io.ts';
export {
  writeMarketplaceFiles, USERS_HEADER, ITEMS_HEADER, INTERACTIONS_HEADER, BLOCKS_HEADER,
  type WriteFilesOptions, type WrittenCounts,
} from './files.ts';
