import { describe, expect, it } from 'vitest';
import { type RunSample, estimateRun } from '../../lib/run/estimate-run.ts';

/** A sample of 5 inputs, 4 accepted, one call each, 100 prompt and 20 completion tokens a call, 2 s a call. */
const sample: RunSample = { inputs: 5, accepted: 4, calls: 5, cachedCalls: 0, promptTokens: 500, completionTokens: 100, costUsd: 0.05, meanLatencyMs: 2000 };

describe('estimateRun', () => {
  it('a generation: every figure per accepted record, times the target; the acceptance rate sets the inputs', () => {
    expect(estimateRun(sample, { kind: 'generation', records: 100 }, { callLimit: 10 })).toEqual({
      inputs: 125,
      records: 100,
      acceptanceRate: 0.8,
      calls: 125,
      cachedCalls: 0,
      promptTokens: 12_500,
      completionTokens: 2500,
      costUsd: 1.25,
      // 125 calls of 2 s, 10 at once.
      seconds: 25,
      bound: 'call_limit',
    });
  });

  it('no price known: no cost, the rest as with one', () => {
    const estimate = estimateRun({ ...sample, costUsd: undefined }, { kind: 'generation', records: 100 }, { callLimit: 10 });
    expect(estimate?.costUsd).toBeUndefined();
    expect(estimate).toMatchObject({ calls: 125, promptTokens: 12_500, completionTokens: 2500 });
  });

  it('a transformation: every figure per input, times the rows; the records follow the acceptance rate', () => {
    expect(estimateRun(sample, { kind: 'transformation', rows: 1000 }, { callLimit: 4 })).toEqual({
      inputs: 1000,
      records: 800,
      acceptanceRate: 0.8,
      calls: 1000,
      cachedCalls: 0,
      promptTokens: 100_000,
      completionTokens: 20_000,
      costUsd: 10,
      seconds: 500,
      bound: 'call_limit',
    });
  });

  it('a transformation whose sample accepted nothing is still estimated: its rows are read all the same', () => {
    expect(estimateRun({ ...sample, accepted: 0 }, { kind: 'transformation', rows: 10 }, { callLimit: 10 })).toMatchObject({ records: 0, calls: 10, acceptanceRate: 0 });
  });

  it('an rpm limit below what the concurrency allows bounds the wall time', () => {
    // 125 calls at 60 a minute: 125 s, above the 25 s that 10 calls at once of 2 s each would take.
    expect(estimateRun(sample, { kind: 'generation', records: 100 }, { callLimit: 10, rpm: 60 })).toMatchObject({ seconds: 125, bound: 'rpm' });
    // A generous rpm leaves the concurrency in charge.
    expect(estimateRun(sample, { kind: 'generation', records: 100 }, { callLimit: 10, rpm: 6000 })).toMatchObject({ seconds: 25, bound: 'call_limit' });
  });

  it('a tpm limit bounds it by the tokens', () => {
    // 15,000 tokens at 6,000 a minute: 150 s.
    expect(estimateRun(sample, { kind: 'generation', records: 100 }, { callLimit: 10, rpm: 60, tpm: 6000 })).toMatchObject({ seconds: 150, bound: 'tpm' });
  });

  it('calls answered from a cache are counted as calls, and said to be from a cache; tokens, cost and time are the calls made', () => {
    // 4 calls made and 1 answered from a cache: 5 calls per 4 records, 1 of them from a cache.
    const cached: RunSample = { ...sample, calls: 4, cachedCalls: 1, promptTokens: 400, completionTokens: 80, costUsd: 0.04 };
    expect(estimateRun(cached, { kind: 'generation', records: 100 }, { callLimit: 10, rpm: 60 })).toEqual({
      inputs: 125,
      records: 100,
      acceptanceRate: 0.8,
      calls: 125,
      cachedCalls: 25,
      promptTokens: 10_000,
      completionTokens: 2000,
      costUsd: 1,
      // The 100 calls made at 60 a minute: those from a cache do not reach the endpoint.
      seconds: 100,
      bound: 'rpm',
    });
  });

  it('no latency observed and no rate limit: no wall time', () => {
    expect(estimateRun({ ...sample, meanLatencyMs: undefined }, { kind: 'generation', records: 100 }, { callLimit: 10 })).toMatchObject({ seconds: undefined, bound: undefined });
  });

  it('no estimate from a sample that settled no input, or a generation that accepted no record', () => {
    expect(estimateRun({ ...sample, inputs: 0, accepted: 0 }, { kind: 'transformation', rows: 10 }, { callLimit: 10 })).toBeUndefined();
    expect(estimateRun({ ...sample, accepted: 0 }, { kind: 'generation', records: 10 }, { callLimit: 10 })).toBeUndefined();
  });
});
