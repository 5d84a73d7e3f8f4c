/**
 * @module cli/context
 * What every command receives: the validated config and output channels. Built in main.ts.
 */
import type { Config } from '../config/schema.ts';

export interface CliContext {
  /** Loads (once) and returns the validated config, after global flags and the environment. */
  config(): Config;
  /** Results for the user (stdout). */
  out(line: string): void;
  /** Progress notes and warnings (stderr). */
  info(line: string): void;
}

/** Parse an integer flag, naming the flag when the value is not one. */
export function intFlag(name: string, value: string, min = 0): number {
  const n = Number(value.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${value}'`);
  return n;
}

/** A mistake in how a command was called: exit code 2. */
export class UsageError extends Error {}
