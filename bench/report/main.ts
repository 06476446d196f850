/**
 * `npm run bench:report`: regenerates docs/benchmarks.md and its charts from the stored results
 * (bench/results/*.json) without running any suite — after a description or the renderer changed.
 */
import { regenerate, reportPaths } from './write.ts';

for (const file of regenerate(reportPaths())) console.log(`wrote ${file}`);
