/** One measured figure; `peer`/`peerValue` name the same workload measured on a peer system. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  peer?: string;
  peerValue?: number;
  /** true when a larger value is better (throughputs); false for latencies, bytes, memory. */
  higherIsBetter?: boolean;
  /**
   * Puts the row on the suite's sweep chart (docs/images/bench-<suite>-sweep.svg): the point
   * (`x`, `value`) of the line `series`. Lines of one unit share a panel.
   */
  plot?: PlotPoint;
}

/** Where a row sits on a sweep chart: x is the swept quantity (e.g. heroes), y the row's value. */
export interface PlotPoint {
  /** The line's name; rows of one series with different `x` make up the line. */
  readonly series: string;
  readonly x: number;
  /** What x counts (the chart's x axis label), e.g. `heroes`. */
  readonly xLabel: string;
  /** A reference line (drawn dashed): what is asked for rather than what was achieved. */
  readonly reference?: boolean;
}

export interface BenchOptions {
  /** A short run (each suite finishes in under 60 s). */
  quick: boolean;
  log: (line: string) => void;
}

export type Suite = (options: BenchOptions) => Promise<BenchResult[]>;
