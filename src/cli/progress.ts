/**
 * @module cli/progress
 * A progress bar on stderr for long work, drawn only when stderr is a TTY (logs and CI stay clean).
 */

export interface Progress {
  /** Set the amount done (in the bar's unit) and an optional suffix such as "120,000 events". */
  update(done: number, suffix?: string): void;
  /** Erase the bar. */
  done(): void;
}

const NOOP: Progress = { update: () => {}, done: () => {} };

/** A bar for `total` units (bytes, rows…); a total of 0 draws a spinner-like counter. */
export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return NOOP;
  const started = Date.now();
  let lastDraw = 0;
  const draw = (done: number, suffix: string): void => {
    const now = Date.now();
    if (now - lastDraw < 100) return;
    lastDraw = now;
    const secs = (now - started) / 1000;
    const width = 28;
    let bar = '';
    if (total > 0) {
      const frac = Math.min(1, done / total);
      const filled = Math.round(frac * width);
      const eta = frac > 0 ? (secs / frac - secs).toFixed(0) : '?';
      bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(1).padStart(5)}% eta ${eta}s`;
    } else {
      bar = `${secs.toFixed(0)}s`;
    }
    stream.write(`\r\x1b[2K${label} ${bar} ${suffix}`);
  };
  return {
    update: (done, suffix = '') => draw(done, suffix),
    done: () => stream.write('\r\x1b[2K'),
  };
}
