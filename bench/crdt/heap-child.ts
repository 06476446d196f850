/**
 * Runs the heap measurements of bench/crdt in a fresh process (`--expose-gc`), so that what earlier
 * phases left on the heap neither blurs the readings nor slows the heap snapshots. Arguments:
 * `keys overwrites seed`; prints one JSON line `{ delta, baseline }`.
 */
import { baselineHeapRatio } from './baseline-cost.ts';
import { deltaHeapRatio } from './heap.ts';

const [keys = '1000', overwrites = '1000000', seed = '1'] = process.argv.slice(2);
const delta = await deltaHeapRatio(Number(keys), Number(overwrites), Number(seed));
const baseline = await baselineHeapRatio(Number(keys), Number(overwrites), Number(seed));
process.stdout.write(`${JSON.stringify({ delta, baseline })}\n`);
process.exit(0);
