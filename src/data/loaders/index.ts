/**
 * @module data/loaders
 * Registry of dataset loaders by the name the CLI takes (`--dataset <name>`).
 */
import { InvalidInputError } from '../../errors.ts';
import type { DatasetLoader } from '../import-types.ts';
import { airbnbLoader } from './airbnb.ts';
import type { AirbnbOptions } from './airbnb.ts';
import { booking2021Loader } from './booking-2021.ts';
import type { Booking2021Options } from './booking-2021.ts';
import { csvLogLoader } from './csv-log.ts';
import type { CsvLogOptions } from './csv-log.ts';
import { expedia2016Loader } from './expedia-2016.ts';
import type { Expedia2016Options } from './expedia-2016.ts';

export const DATASET_NAMES = ['booking-2021', 'expedia-2016', 'airbnb', 'csv'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Options type of each loader. */
export interface LoaderOptionsByName {
  'booking-2021': Booking2021Options;
  'expedia-2016': Expedia2016Options;
  airbnb: AirbnbOptions;
  csv: CsvLogOptions;
}

const LOADERS: { [N in DatasetName]: DatasetLoader<LoaderOptionsByName[N]> } = {
  'booking-2021': booking2021Loader,
  'expedia-2016': expedia2016Loader,
  airbnb: airbnbLoader,
  csv: csvLogLoader,
};

export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

/** The loader for a dataset name; InvalidInputError listing the known names for anything else. */
export function getLoader<N extends DatasetName>(name: N): DatasetLoader<LoaderOptionsByName[N]>;
export function getLoader(name: string): DatasetLoader<LoaderOptionsByName[DatasetName]>;
export function getLoader(name: string): DatasetLoader<LoaderOptionsByName[DatasetName]> {
  if (!isDatasetName(name)) throw new InvalidInputError(`unknown dataset '${name}'; expected one of ${DATASET_NAMES.join(', ')}`);
  return LOADERS[name];
}

export { airbnbLoader, booking2021Loader, csvLogLoader, expedia2016Loader };
export type { AirbnbOptions, Booking2021Options, CsvLogOptions, Expedia2016Options };
