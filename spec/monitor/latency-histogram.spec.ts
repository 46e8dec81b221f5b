import { describe, expect, it } from 'vitest';
import { addLatency, emptyHistogram, latencyPercentiles, mergeHistogram } from '../../lib/monitor/latency-histogram.ts';

describe('latency histogram', () => {
  it('has no percentiles when empty', () => {
    expect(latencyPercentiles(emptyHistogram())).toBeUndefined();
  });

  it('reads percentiles within 2% of the exact ones, kept within the values seen', () => {
    const histogram = emptyHistogram();
    for (let ms = 1; ms <= 1000; ms += 1) addLatency(histogram, ms);
    const percentiles = latencyPercentiles(histogram)!;
    expect(percentiles.p50).toBeGreaterThanOrEqual(500);
    expect(percentiles.p50).toBeLessThanOrEqual(500 * 1.02);
    expect(percentiles.p90).toBeGreaterThanOrEqual(900);
    expect(percentiles.p90).toBeLessThanOrEqual(900 * 1.02);
    expect(percentiles.p99).toBeGreaterThanOrEqual(990);
    expect(percentiles.p99).toBeLessThanOrEqual(1000);
    expect(percentiles.mean).toBeCloseTo(500.5);
    expect(percentiles.max).toBe(1000);
  });

  it('gives a single value exactly, and ignores negative and non-finite ones', () => {
    const histogram = emptyHistogram();
    addLatency(histogram, 250);
    addLatency(histogram, -3);
    addLatency(histogram, Number.NaN);
    expect(latencyPercentiles(histogram)).toEqual({ p50: 250, p90: 250, p99: 250, mean: 250, max: 250 });
  });

  it('keeps sub-millisecond values in the first bucket', () => {
    const histogram = emptyHistogram();
    addLatency(histogram, 0);
    addLatency(histogram, 0.5);
    expect(latencyPercentiles(histogram)?.p99).toBe(0.5);
    expect(histogram.buckets.size).toBe(1);
  });

  it('stays small whatever the number of values', () => {
    const histogram = emptyHistogram();
    for (let index = 0; index < 100_000; index += 1) addLatency(histogram, 50 + (index % 2000));
    expect(histogram.count).toBe(100_000);
    expect(histogram.buckets.size).toBeLessThan(200);
  });

  it('merges two histograms into the percentiles of all their values', () => {
    const low = emptyHistogram();
    const high = emptyHistogram();
    for (let index = 0; index < 50; index += 1) addLatency(low, 10);
    for (let index = 0; index < 50; index += 1) addLatency(high, 1000);
    mergeHistogram(low, high);
    expect(low.count).toBe(100);
    const percentiles = latencyPercentiles(low)!;
    expect(percentiles.p50).toBeGreaterThanOrEqual(10);
    expect(percentiles.p50).toBeLessThanOrEqual(10 * 1.02);
    expect(percentiles).toMatchObject({ p99: 1000, mean: 505, max: 1000 });
  });
});
