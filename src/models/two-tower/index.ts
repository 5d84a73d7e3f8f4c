/**
 * @module models/two-tower
 * Public surface of the two-tower retrieval model: feature encoding, dataset, training, serving
 * embeddings (in-process and ONNX), the 'two-tower@1' artifact, ONNX export and the vocabulary file
 * of bring-your-own ONNX towers.
 */
export {
  DEFAULT_TWO_TOWER_CONFIG, ITEM_FIELDS, USER_FIELDS, resolveTwoTowerConfig,
  type ItemField, type TwoTowerConfig, type TwoTowerConfigInput, type UserField,
} from './config.ts';
export { FeatureEncoder, ITEM_FIELD_COUNT, USER_FIELD_COUNT, buildEncoder, type EncoderState, type UserQuery } from './encoding.ts';
export {
  buildDataset, buildEvalQueries, sliceDataset, timeSplitIndex, type DatasetOptions, type EvalQueries, type TwoTowerDataset,
} from './dataset.ts';
export { TwoTowerModel, createTwoTowerModel } from './model.ts';
export {
  computeLogQ, fitTwoTower, trainTwoTower, type EpochStats, type TrainOptions, type TrainResult, type TwoTowerData,
} from './train.ts';
export {
  coldStartItemEmbedding, coldStartUserEmbedding, itemEmbeddings, itemEmbeddingsEncoded, knowsItem, scoreItems, userEmbedding,
  userEmbeddingEncoded, type ItemEmbeddingOptions,
} from './infer.ts';
export { OrtEvaluator, evaluateRecall, recallFromTopK } from './evaluate.ts';
export { TWO_TOWER_FORMAT, fromArtifact, toArtifact, type TwoTowerArtifact } from './artifact.ts';
export {
  ITEM_TOWER_CONTRACT, USER_TOWER_CONTRACT, exportItemTower, exportOnnxTowers, exportUserTower, loadOnnxTowers, type OnnxTowers,
} from './onnx-export.ts';
export { UNKNOWN, Vocabulary } from './vocab.ts';
export { contractError as onnxContractError } from './onnx-contract.ts';
export { TWO_TOWER_VOCAB_FORMAT, encoderOfVocab, parseEncoderState, parseTowerVocab, towerVocabJson, type TowerVocabFile } from './vocab-file.ts';
