/**
 * @module errors
 * The small error set: every error has a stable `code` from one catalogue and keeps its `cause`.
 * HTTP mapping happens once, in api/errors.ts.
 */

export const ERROR_CODES = {
  INVALID_INPUT: 'REC_ERR_INVALID_INPUT',
  NOT_FOUND: 'REC_ERR_NOT_FOUND',
  CONFIG: 'REC_ERR_CONFIG',
  STORE_UNAVAILABLE: 'REC_ERR_STORE_UNAVAILABLE',
  STORE_QUERY: 'REC_ERR_STORE_QUERY',
  DATASET: 'REC_ERR_DATASET',
  MODEL_MISSING: 'REC_ERR_MODEL_MISSING',
  MODEL_FORMAT: 'REC_ERR_MODEL_FORMAT',
  TIMEOUT: 'REC_ERR_TIMEOUT',
  NOT_READY: 'REC_ERR_NOT_READY',
} as const;
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export class RecsysError extends Error {
  readonly code: ErrorCode;
  constructor(opts: { code: ErrorCode; message: string; cause?: unknown }) {
    super(opts.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = opts.code;
    this.name = new.target.name;
  }
}

/** Bad input from a user, a request or a file; the message names the bad field, row or value. */
export class InvalidInputError extends RecsysError {
  constructor(message: string, cause?: unknown) {
    super({ code: ERROR_CODES.INVALID_INPUT, message, cause });
  }
}

export class NotFoundError extends RecsysError {
  constructor(message: string, cause?: unknown) {
    super({ code: ERROR_CODES.NOT_FOUND, message, cause });
  }
}

/** A dependency (database, Redis, Kafka, S3) failed; the message says which and what was being done. */
export class DependencyError extends RecsysError {
  constructor(code: ErrorCode, message: string, cause?: unknown) {
    super({ code, message, cause });
  }
}

export class TimeoutError extends RecsysError {
  constructor(message: string, cause?: unknown) {
    super({ code: ERROR_CODES.TIMEOUT, message, cause });
  }
}

/** Human-readable message of any thrown value, including the cause chain. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause === undefined ? '' : ` (cause: ${describeError(err.cause)})`;
  return `${err.message}${cause}`;
}
