/**
 * What one suite's run leaves behind in bench/results/<suite>.json: its rows, the command, when it
 * ran and on what machine. The report (docs/benchmarks.md) is rendered from these files only, so
 * each file is validated once, here, when it is read back.
 *
 * ```ts
 * const record: SuiteRecord = { suite: 'actor', command: 'npm run bench -- actor --quick --report', … };
 * const text = serializeRecord(record);       // JSON; NaN figures are stored as null
 * const again = parseRecord(text, 'actor.json'); // NaN again; throws BenchRecordError when malformed
 * ```
 */
import { z } from 'zod';
import { CodedError } from '@superhero-dispatch/runtime';
import type { BenchResult } from '../lib/types.ts';

/** The machine a run was measured on. */
export interface MachineFacts {
  /** Logical CPUs Node sees. */
  readonly cores: number;
  readonly cpuModel: string;
  /** 1-, 5- and 15-minute load averages when the suite started and when it ended. */
  readonly loadAverageStart: readonly number[];
  readonly loadAverageEnd: readonly number[];
  /** `process.version`, e.g. `v20.20.2`. */
  readonly node: string;
  /** `os.type() os.release()`. */
  readonly os: string;
  /** Versions of the peer systems installed, e.g. `{ erlang: 'Erlang/OTP 25 (erts 13.1.5)' }`. */
  readonly peers: Readonly<Record<string, string>>;
}

export interface SuiteRecord {
  readonly suite: string;
  /** The command as typed, e.g. `npm run bench -- all --quick --report`. */
  readonly command: string;
  readonly quick: boolean;
  /** ISO 8601, UTC. */
  readonly startedAt: string;
  /** Wall-clock length of the suite's run, seconds. */
  readonly seconds: number;
  readonly machine: MachineFacts;
  readonly rows: readonly BenchResult[];
  /** Set when the suite threw: its message. The rows are then empty. */
  readonly failure?: string;
}

export class BenchRecordError extends CodedError {
  constructor(file: string, detail: string, cause?: unknown) {
    super('bench_record_invalid', `${file}: not a benchmark record: ${detail}`, { cause });
  }
}

/** JSON has no NaN: a figure that could not be measured is stored as null and read back as NaN. */
const figure = z
  .number()
  .nullable()
  .transform((v) => v ?? Number.NaN);

const plotSchema = z.object({
  series: z.string(),
  x: z.number(),
  xLabel: z.string(),
  reference: z.boolean().optional(),
});

const rowSchema = z.object({
  name: z.string(),
  value: figure,
  unit: z.string(),
  peer: z.string().optional(),
  peerValue: figure.optional(),
  higherIsBetter: z.boolean().optional(),
  plot: plotSchema.optional(),
});

const recordSchema = z.object({
  suite: z.string(),
  command: z.string(),
  quick: z.boolean(),
  startedAt: z.string(),
  seconds: z.number(),
  machine: z.object({
    cores: z.number(),
    cpuModel: z.string(),
    loadAverageStart: z.array(z.number()),
    loadAverageEnd: z.array(z.number()),
    node: z.string(),
    os: z.string(),
    peers: z.record(z.string(), z.string()),
  }),
  rows: z.array(rowSchema),
  failure: z.string().optional(),
});

/** Drops keys whose value is undefined (exactOptionalPropertyTypes: absent, not undefined). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function parseRecord(text: string, file: string): SuiteRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BenchRecordError(file, 'not JSON', err);
  }
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success) throw new BenchRecordError(file, parsed.error.message, parsed.error);
  const rows = parsed.data.rows.map(
    (row) => defined({ ...row, plot: row.plot && defined(row.plot) }) as BenchResult,
  );
  return defined({ ...parsed.data, rows }) as SuiteRecord;
}

/** The record as JSON (2-space indented; NaN becomes null). */
export function serializeRecord(record: SuiteRecord): string {
  return JSON.stringify(record, null, 2) + '\n';
}
