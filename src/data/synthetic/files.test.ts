/**
 * @module data/synthetic/files.test
 * CSV export: one header and one line per record, cells that parse back, truth alongside.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BLOCKS_HEADER, csvCell, INTERACTIONS_HEADER, ITEMS_HEADER, USERS_HEADER, writeMarketplaceFiles } from './files.ts';
import { generateMarketplace } from './marketplace.ts';
import { loadTruth } from './truth-io.ts';

let dir = '';
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/** Minimal RFC 4180 line splitter (no embedded newlines in our output). */
function splitCsv(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted && ch === '"' && line[i + 1] === '"') {
      cur += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (ch === ',' && !quoted) {
      cells.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  cells.push(cur);
  return cells;
}

describe('writeMarketplaceFiles', () => {
  it('writes users, items, interactions and blocks as CSV, plus the truth', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wayfarer-synth-'));
    const market = generateMarketplace({ users: 500, items: 300, events: 12_000, seed: 8, batchSize: 1000 });
    const counts = await writeMarketplaceFiles(market, dir);
    expect(counts).toEqual({ users: 500, items: 300 + market.stats.cities, interactions: 12_000, blocks: market.blocks.length });

    const read = async (name: string): Promise<string[]> => (await readFile(path.join(dir, name), 'utf8')).trimEnd().split('\n');
    const [users, items, events, blocks] = await Promise.all(['users.csv', 'items.csv', 'interactions.csv', 'blocks.csv'].map(read));
    expect(users![0]).toBe(USERS_HEADER);
    expect(items![0]).toBe(ITEMS_HEADER);
    expect(events![0]).toBe(INTERACTIONS_HEADER);
    expect(blocks![0]).toBe(BLOCKS_HEADER);
    expect([users!.length, items!.length, events!.length, blocks!.length])
      .toEqual([501, 301 + market.stats.cities, 12_001, market.blocks.length + 1]);

    const first = [...market.batches].find((b) => b.interactions.length > 0)!.interactions[0]!;
    const cells = splitCsv(events![1]!);
    expect(cells).toHaveLength(8);
    expect(cells.slice(0, 7)).toEqual([first.eventId, first.userId, first.itemId, first.type, '', String(first.ts), first.sessionId]);
    expect(JSON.parse(cells[7]!)).toEqual(first.context);
    for (const line of items!.slice(1, 50)) expect(splitCsv(line)).toHaveLength(14);

    expect((await loadTruth(path.join(dir, 'truth'))).userCount).toBe(500);
  });

  it('quotes only cells that need it', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(3.5)).toBe('3.5');
    expect(csvCell(false)).toBe('false');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  });
});
