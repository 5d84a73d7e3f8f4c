import { describe, expect, it } from 'vitest';
import { loadConfig, redactedSummary } from './load-config.ts';

describe('loadConfig', () => {
  it('gives defaults for empty text and no env', () => {
    const c = loadConfig('', {});
    expect(c.dataDir).toBe('./data');
    expect(c.server.port).toBe(8080);
    expect(c.postgres.url).toBeUndefined();
    expect(Object.isFrozen(c.server)).toBe(true);
  });

  it('applies environment overrides over file values', () => {
    const c = loadConfig('{"server":{"port":9000},"dataDir":"/tmp/a"}', {
      WAYFARER_PORT: '9100', WAYFARER_POSTGRES_URL: 'postgres://u:secret@db:5432/x',
    });
    expect(c.server.port).toBe(9100);
    expect(c.dataDir).toBe('/tmp/a');
    expect(c.postgres.url).toBe('postgres://u:secret@db:5432/x');
    expect(JSON.stringify(redactedSummary(c))).not.toContain('secret');
  });

  it('names the bad field', () => {
    expect(() => loadConfig('{"server":{"port":"x"}}', {})).toThrow(/server\.port/);
    expect(() => loadConfig('', { WAYFARER_PORT: '70000' })).toThrow(/server\.port/);
    expect(() => loadConfig('{nope', {})).toThrow(/not valid JSON/);
  });
});
