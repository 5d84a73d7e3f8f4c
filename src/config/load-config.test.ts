import { describe, expect, it } from 'vitest';
import { loadConfig, redactedSummary } from './load-config.ts';
import { redactUrl } from '../util/redact.ts';

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

  it('defaults the feature store to in-memory online and <dataDir>/features/offline', () => {
    const c = loadConfig('', {});
    expect(c.redis).toEqual({ keyPrefix: 'wf:', clientCache: { enabled: true, entities: ['item'], maxRows: 200_000 } });
    expect(c.features.offlineDir).toBeUndefined();
    expect(redactedSummary(c)['redis']).toEqual({ url: '(in-memory online store)', keyPrefix: 'wf:' });
  });

  it('reads Redis from the environment and redacts its password in both URL forms', () => {
    const c = loadConfig('{"redis":{"url":"redis://file:6379","keyPrefix":"a:"},"features":{"offlineDir":"/tmp/off"}}', {
      WAYFARER_REDIS_URL: 'redis://:s3cret@cache:6379/2', WAYFARER_REDIS_PREFIX: 'prod:',
    });
    expect(c.redis).toMatchObject({ url: 'redis://:s3cret@cache:6379/2', keyPrefix: 'prod:' });
    expect(c.features.offlineDir).toBe('/tmp/off');
    const summary = JSON.stringify(redactedSummary(c));
    expect(summary).not.toContain('s3cret');
    expect(summary).toContain('redis://:***@cache:6379/2');
    const withUser = loadConfig('', { WAYFARER_REDIS_URL: 'rediss://app:pw@cache:6380' });
    expect(redactedSummary(withUser)['redis']).toEqual({ url: 'rediss://app:***@cache:6380', keyPrefix: 'wf:' });
    expect(redactUrl('redis://cache:6379')).toBe('redis://cache:6379');
    expect(() => loadConfig('{"redis":{"keyPrefix":""}}', {})).toThrow(/redis\.keyPrefix/);
    expect(() => loadConfig('{"redis":{"clientCache":{"entities":["Item"]}}}', {})).toThrow(/redis\.clientCache\.entities/);
  });

  it('names the bad field', () => {
    expect(() => loadConfig('{"server":{"port":"x"}}', {})).toThrow(/server\.port/);
    expect(() => loadConfig('', { WAYFARER_PORT: '70000' })).toThrow(/server\.port/);
    expect(() => loadConfig('{nope', {})).toThrow(/not valid JSON/);
  });
});
