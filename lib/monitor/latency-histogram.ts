/** Relative width of a bucket: a percentile read from the histogram is within 2% of the exact one. */
const growth = 1.02;
const logGrowth = Math.log(growth);

/**
 * Latencies in logarithmic buckets, each 2% wider than the last: memory bounded by the range of the values (about 800
 * buckets from 1 ms to an hour), not by their number, so a run of millions of calls costs what a run of ten does.
 */
export interface LatencyHistogram {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Count per bucket: bucket `i` holds the values in (1.02^(i-1), 1.02^i]; bucket 0 everything up to 1 ms. */
  readonly buckets: Map<number, number>;
}

/** The percentiles the monitor shows, in ms. */
export interface LatencyPercentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

/** A histogram of no values. */
export function emptyHistogram(): LatencyHistogram {
  return { count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: 0, buckets: new Map() };
}

/** Adds one latency in ms (a negative or non-finite one, from a clock step, is ignored). */
export function addLatency(histogram: LatencyHistogram, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) return;
  const index = ms <= 1 ? 0 : Math.ceil(Math.log(ms) / logGrowth);
  histogram.buckets.set(index, (histogram.buckets.get(index) ?? 0) + 1);
  histogram.count += 1;
  histogram.sum += ms;
  histogram.min = Math.min(histogram.min, ms);
  histogram.max = Math.max(histogram.max, ms);
}

/**
 * The p50, p90 and p99 (each the bucket's upper bound, kept within the smallest and largest value seen: within 2% of
 * the exact percentile), the mean and the maximum; undefined for an empty histogram.
 *
 * ## Example
 * ```ts
 * const histogram = emptyHistogram();
 * for (const ms of [100, 200, 300]) addLatency(histogram, ms);
 * latencyPercentiles(histogram); // { p50: ~200, p90: 300, p99: 300, mean: 200, max: 300 }
 * ```
 */
export function latencyPercentiles(histogram: LatencyHistogram): LatencyPercentiles | undefined {
  if (histogram.count === 0) return undefined;
  const indexes = [...histogram.buckets.keys()].sort((a, b) => a - b);
  const at = (quantile: number): number => {
    const rank = Math.max(1, Math.ceil(quantile * histogram.count));
    let seen = 0;
    for (const index of indexes) {
      seen += histogram.buckets.get(index) ?? 0;
      if (seen >= rank) return Math.min(histogram.max, Math.max(histogram.min, index === 0 ? 1 : growth ** index));
    }
    return histogram.max;
  };
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), mean: histogram.sum / histogram.count, max: histogram.max };
}

/** Adds every value of `from` to `into`. */
export function mergeHistogram(into: LatencyHistogram, from: LatencyHistogram): void {
  for (const [index, count] of from.buckets) into.buckets.set(index, (into.buckets.get(index) ?? 0) + count);
  into.count += from.count;
  into.sum += from.sum;
  into.min = Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
}
