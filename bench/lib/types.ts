/** One measured figure; `peer`/`peerValue` name the same workload measured on a peer system. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  peer?: string;
  peerValue?: number;
  /** true when a larger value is better (throughputs); false for latencies, bytes, memory. */
  higherIsBetter?: boolean;
}

export interface BenchOptions {
  /** A short run (each suite finishes in under 60 s). */
  quick: boolean;
  log: (line: string) => void;
}

export type Suite = (options: BenchOptions) => Promise<BenchResult[]>;
