/**
 * @module data/dates.test
 * Date parsing: every supported format to UTC ms, calendar validation, epoch magnitude detection.
 */
import { describe, expect, it } from 'vitest';
import {
  daysBetween, formatIsoDate, parseCompactDateTime, parseDate, parseDateTime, parseDayMonthYear, parseEpoch,
  parseIsoDateTime,
} from './dates.ts';

const utc = (iso: string) => Date.parse(iso);
const DAY = 86_400_000;

describe('parseDate', () => {
  it.each([
    ['2016-07-21', '2016-07-21T00:00:00Z'],
    ['2016-07-21 10:00:00', '2016-07-21T10:00:00Z'],
    ['2016-07-21T10:00:00Z', '2016-07-21T10:00:00Z'],
    ['2016-07-21T10:00', '2016-07-21T10:00:00Z'],
    ['2016-07-21T10:00:00.250Z', '2016-07-21T10:00:00.250Z'],
    ['2016-07-21T12:00:00+02:00', '2016-07-21T10:00:00Z'],
    ['2016-07-21T05:30:00-0430', '2016-07-21T10:00:00Z'],
    ['2014-08-11 07:46:59', '2014-08-11T07:46:59Z'],
    ['21/07/2016', '2016-07-21T00:00:00Z'],
    ['1/2/2016', '2016-02-01T00:00:00Z'],
    ['29/02/2016', '2016-02-29T00:00:00Z'],
    ['20090319043255', '2009-03-19T04:32:55Z'],
    [' 2016-07-21 ', '2016-07-21T00:00:00Z'],
    ['0050-01-01', '0050-01-01T00:00:00Z'],
  ])('%s', (input, expected) => {
    expect(parseDate(input)).toBe(utc(expected));
  });

  it('auto-detects epoch seconds vs milliseconds by magnitude', () => {
    expect(parseDate('881250949')).toBe(881250949000);
    expect(parseDate('1469088000')).toBe(1469088000000);
    expect(parseDate('1469088000000')).toBe(1469088000000);
    expect(parseDate('99999999999')).toBe(99999999999000);
    expect(parseDate('100000000000')).toBe(100000000000);
    expect(parseDate('1469088000.5')).toBe(1469088000500);
    expect(parseDate('0')).toBe(0);
  });

  it.each([
    '', '   ', '31/13/2016', '2016-02-30', '2015-02-29', '2016-13-01', '2016-00-10', '2016-07-21T24:00:00',
    '2016-07-21 10:61', '2016-07-21X10:00', '2016-7-21', '32/01/2016', '20091399043255', '20090319246000',
    'yesterday', '12abc', '2016-07-21T10:00:00+25:00', '21/07/16', '21/07/2016x',
  ])('null for %j', (input) => {
    expect(parseDate(input)).toBeNull();
  });
});

describe('specific parsers', () => {
  it('parseDateTime refuses bare numbers, parseEpoch refuses dates', () => {
    expect(parseDateTime('1469088000')).toBeNull();
    expect(parseEpoch('2016-07-21')).toBeNull();
    expect(parseDateTime('2016-07-21')).toBe(utc('2016-07-21'));
  });

  it('parseEpoch honours explicit units', () => {
    expect(parseEpoch('1469088000', 's')).toBe(1469088000000);
    expect(parseEpoch('1469088000', 'ms')).toBe(1469088000);
    expect(parseEpoch('-86400', 's')).toBe(-86400000);
    expect(parseEpoch('1e9')).toBeNull();
  });

  it('format-specific entry points', () => {
    expect(parseIsoDateTime('21/07/2016')).toBeNull();
    expect(parseDayMonthYear('2016-07-21')).toBeNull();
    expect(parseDayMonthYear('21/07/2016 10:30')).toBe(utc('2016-07-21T10:30:00Z'));
    expect(parseCompactDateTime('2009031904325')).toBeNull();
  });

  it('formatIsoDate matches toISOString across eras, leap days and negative epochs', () => {
    const samples = [0, -1, -DAY, Date.UTC(2000, 1, 29), Date.UTC(1900, 2, 1), Date.UTC(2400, 1, 29, 23, 59, 59, 999), Date.UTC(999, 11, 31)];
    for (let i = 0; i < 2000; i++) samples.push(Math.round((i * 7_919_993 % 20_000) - 10_000) * DAY + (i * 3_600_123) % DAY);
    for (const ms of samples) expect(formatIsoDate(ms), String(ms)).toBe(new Date(ms).toISOString().slice(0, 10));
  });

  it('formatIsoDate and daysBetween', () => {
    expect(formatIsoDate(utc('2016-07-21T23:59:59Z'))).toBe('2016-07-21');
    expect(daysBetween(utc('2016-07-21'), utc('2016-07-23'))).toBe(2);
  });
});
