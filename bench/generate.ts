/**
 * @module bench/generate
 * Throughput of the synthetic marketplace generator, in process and without I/O: builds the world,
 * iterates every batch, and prints events/s and memory. Sizes via argv: users items events [seed].
 */
import { generateMarketplace } from '../src/data/synthetic/index.ts';

const [users = 200_000, items = 100_000, events = 5_000_000, seed = 42] = process.argv.slice(2).map(Number);
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

const t0 = performance.now();
const market = generateMarketplace({ users, items, events, seed });
const tWorld = performance.now();

let peakHeap = 0;
let records = 0;
let interactions = 0;
let batches = 0;
const tEvents = { start: 0 };
for (const batch of market.batches) {
  if (interactions === 0 && batch.interactions.length > 0) tEvents.start = performance.now();
  records += batch.users.length + batch.items.length;
  interactions += batch.interactions.length;
  if (++batches % 100 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}
const tEnd = performance.now();
const eventSeconds = (tEnd - (tEvents.start || tEnd)) / 1000;
const mem = process.memoryUsage();

console.log(`sizes          users=${users} hotels=${items} cities=${market.stats.cities} events=${events} blocks=${market.blocks.length}`);
console.log(`world build    ${(tWorld - t0).toFixed(0)} ms`);
console.log(`users+items    ${records} records`);
console.log(`interactions   ${interactions} in ${eventSeconds.toFixed(2)} s → ${Math.round(interactions / eventSeconds).toLocaleString('en-US')} events/s`);
console.log(`total          ${((tEnd - t0) / 1000).toFixed(2)} s → ${Math.round(interactions / ((tEnd - t0) / 1000)).toLocaleString('en-US')} events/s end to end`);
console.log(`memory         rss=${mb(mem.rss)} heapUsed(peak sampled)=${mb(Math.max(peakHeap, mem.heapUsed))} arrayBuffers=${mb(mem.arrayBuffers)}`);
