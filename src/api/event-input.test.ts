import { describe, expect, it } from 'vitest';
import { parseEvents } from './event-input.ts';

describe('parseEvents', () => {
  it('accepts one event or an array, stamping missing timestamps', () => {
    const [e] = parseEvents({ userId: 'u', itemId: 'h', type: 'click' }, 1000);
    expect(e).toMatchObject({ userId: 'u', itemId: 'h', type: 'click', ts: 1000, value: null, sessionId: null, context: {} });
    expect(e?.eventId).toMatch(/^api:/);
    const two = parseEvents([{ userId: 'u', itemId: 'h', type: 'booking', timestamp: '2026-01-02T03:04:05Z', eventId: 'x' },
      { userId: 'u', itemId: 'h', type: 'rating', value: 4, timestamp: 5 }], 0);
    expect(two.map((x) => [x.eventId, x.ts, x.value])).toEqual([['x', Date.UTC(2026, 0, 2, 3, 4, 5), null], [two[1]?.eventId, 5, 4]]);
  });

  it('gives identical ids to identical retried events', () => {
    const a = parseEvents({ userId: 'u', itemId: 'h', type: 'click', timestamp: 7 }, 0);
    const b = parseEvents({ userId: 'u', itemId: 'h', type: 'click', timestamp: 7 }, 99);
    expect(a[0]?.eventId).toBe(b[0]?.eventId);
  });

  it('names the bad field of the bad event', () => {
    expect(() => parseEvents([{ userId: 'u', itemId: 'h', type: 'click' }, { userId: 'u', itemId: 'h', type: 'buy' }], 0))
      .toThrow(/events\[1\]\.type/);
    expect(() => parseEvents({ userId: '', itemId: 'h', type: 'click' }, 0)).toThrow(/event\.userId/);
    expect(() => parseEvents({ userId: 'u', itemId: 'h', type: 'click', extra: 1 }, 0)).toThrow(/extra/);
    expect(() => parseEvents({ userId: 'u', itemId: 'h', type: 'click', timestamp: 'yesterday' }, 0)).toThrow(/event\.timestamp/);
    expect(() => parseEvents([], 0)).toThrow(/empty/);
  });
});
