/**
 * @module ports/artifacts
 * Blob storage for model artifacts and data files: a local folder by default, S3 in production.
 * Keys are '/'-separated relative paths such as 'models/v3/popularity.json'.
 */

export interface ArtifactStore {
  /** Write atomically: readers see the old object or the new one, never a partial one. */
  put(key: string, data: Uint8Array | string): Promise<void>;
  /** The object's bytes, or undefined when the key does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Where this store lives, for messages (a folder or an s3:// URL). */
  readonly location: string;
}
