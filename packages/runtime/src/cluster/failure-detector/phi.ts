/**
 * Phi-accrual arithmetic: a sliding window of heartbeat inter-arrival times and the suspicion
 * level φ of a silence, after Hayashibara et al., "The φ Accrual Failure Detector" (2004).
 *
 * φ = −log10(P(an inter-arrival time ≥ the silence so far)), with inter-arrival times modelled
 * as normal(mean + acceptable pause, max(stddev, floor)). The normal tail uses the logistic
 * approximation of Bowling et al. (2009), as Akka's detector does, evaluated in log space so long
 * silences do not overflow. It is exact to 0.04 up to φ ≈ 3 and then overstates φ (it is never
 * below the exact value): φ 8 here is an exact φ of about 7, a 10⁻⁷ chance that the peer is
 * merely late. So it errs towards earlier detection; thresholds are tuned on this scale.
 *
 * Example:
 * ```ts
 * const window = new ArrivalWindow(200, 100);
 * window.add(98); window.add(103);
 * phi(1200, window.mean + 600, Math.max(window.stdDev, 100)); // ≈ 8
 * ```
 *
 * Pure: no clock, no timers. Used by `PhiAccrualDetector`.
 */

const LN10 = Math.log(10);

/** φ of a silence of `elapsed` ms given the expected interval `mean` and spread `stdDev` (ms). */
export function phi(elapsed: number, mean: number, stdDev: number): number {
  const y = (elapsed - mean) / stdDev;
  const t = y * (1.5976 + 0.070566 * y * y);
  // P(late) ≈ 1 / (1 + e^t), so φ = log10(1 + e^t), computed without overflow for large t.
  return t > 0 ? (t + Math.log1p(Math.exp(-t))) / LN10 : Math.log1p(Math.exp(t)) / LN10;
}

/** A bounded window of inter-arrival samples (ms) with running mean and standard deviation. */
export class ArrivalWindow {
  private readonly capacity: number;
  private readonly samples: number[] = [];
  private next = 0;
  private sum = 0;
  private sumOfSquares = 0;

  /**
   * @param capacity samples kept; older ones are forgotten.
   * @param expectedInterval prior: the window starts with two samples at ±25 % of it, so φ is
   *   defined from the first heartbeat on and early jitter does not look alarming.
   */
  constructor(capacity: number, expectedInterval: number) {
    if (!(capacity >= 2)) throw new RangeError('capacity must be >= 2');
    this.capacity = capacity;
    this.add(expectedInterval * 0.75);
    this.add(expectedInterval * 1.25);
  }

  get count(): number {
    return this.samples.length;
  }

  get mean(): number {
    return this.sum / this.samples.length;
  }

  get stdDev(): number {
    const n = this.samples.length;
    const variance = this.sumOfSquares / n - (this.sum / n) ** 2;
    return Math.sqrt(Math.max(0, variance));
  }

  add(interval: number): void {
    if (this.samples.length < this.capacity) {
      this.samples.push(interval);
    } else {
      const old = this.samples[this.next]!;
      this.sum -= old;
      this.sumOfSquares -= old * old;
      this.samples[this.next] = interval;
      this.next = (this.next + 1) % this.capacity;
    }
    this.sum += interval;
    this.sumOfSquares += interval * interval;
  }
}
