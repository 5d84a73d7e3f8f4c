/**
 * @module models/gbdt/c-format
 * C printf `%.Ng` for doubles, as LightGBM writes model files: `%.17g` for thresholds and leaf
 * values (round-trips every double), `%g` (6 digits) for gains and internal values.
 * JS rounds decimal ties away from zero where glibc rounds half-to-even on the exact binary value;
 * the two only differ on exact ties, and any 17-digit form parses back to the same double.
 */

function stripZeros(digits: string): string {
  if (!digits.includes('.')) return digits;
  const t = digits.replace(/0+$/, '');
  return t.endsWith('.') ? t.slice(0, -1) : t;
}

/** `printf("%.{precision}g", x)`. */
export function formatG(x: number, precision = 6): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const p = Math.max(1, precision);
  const exp = x.toExponential(p - 1);
  const e = Number(exp.slice(exp.indexOf('e') + 1));
  if (e < -4 || e >= p) {
    const mantissa = stripZeros(exp.slice(0, exp.indexOf('e')));
    const sign = e < 0 ? '-' : '+';
    const abs = Math.abs(e);
    return `${mantissa}e${sign}${abs < 10 ? '0' : ''}${abs}`;
  }
  return stripZeros(x.toFixed(p - 1 - e));
}

/** `%.17g`: the exact-round-trip form LightGBM uses for thresholds and leaf values. */
export function formatG17(x: number): string {
  return formatG(x, 17);
}
