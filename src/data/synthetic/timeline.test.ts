/**
 * @module data/synthetic/timeline.test
 * The traffic curve maps shares of traffic to timestamps monotonically inside the period.
 */
import { describe, expect, it } from 'vitest';
import { createCalendar, createTimeline, DAY_MS } from './timeline.ts';

describe('createTimeline', () => {
  const start = Date.UTC(2026, 0, 1);
  const t = createTimeline(start, 180);

  it('maps [0, 1] into [start, end) without going back in time', () => {
    expect(t.at(0)).toBe(start);
    expect(t.at(1)).toBe(start + 180 * DAY_MS - 1);
    let prev = start;
    let backwards = 0;
    for (let i = 0; i <= 10_000; i++) {
      const ts = t.at(i / 10_000);
      if (ts < prev) backwards++;
      prev = ts;
    }
    expect(backwards).toBe(0);
  });

  it('puts more traffic in the evening than at night (UTC)', () => {
    const hours = new Array<number>(24).fill(0);
    for (let i = 0; i < 20_000; i++) hours[new Date(t.at(i / 20_000)).getUTCHours()]!++;
    expect(hours[20]!).toBeGreaterThan(3 * hours[3]!);
  });
});

describe('createCalendar', () => {
  it('gives ISO dates and months, inside and outside the cached span', () => {
    const first = Date.UTC(2026, 0, 1) / DAY_MS;
    const cal = createCalendar(first, 10);
    expect(cal.iso(first)).toBe('2026-01-01');
    expect(cal.iso(first + 40)).toBe('2026-02-10');
    expect(cal.month(first + 40)).toBe(1);
    expect(cal.iso(first - 1)).toBe('2025-12-31');
  });
});
