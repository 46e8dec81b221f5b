import { describe, expect, test } from 'vitest';
import { TokenBucket } from '../../lib/model/admission-token-bucket.ts';

describe('TokenBucket', () => {
  test('starts full and refills continuously at capacity per minute, never above it', () => {
    const bucket = new TokenBucket(60, 0, 60);
    expect(bucket.available(0)).toBe(60);
    bucket.take(60, 0);
    expect(bucket.available(500)).toBeCloseTo(0.5);
    expect(bucket.available(1000)).toBeCloseTo(1);
    expect(bucket.available(3_600_000)).toBe(60);
  });

  test('waitMs is the time until the amount is there, and 0 when it already is', () => {
    const bucket = new TokenBucket(60, 0, 60);
    expect(bucket.waitMs(1, 0)).toBe(0);
    bucket.take(60, 0);
    expect(bucket.waitMs(1, 0)).toBe(1000);
    expect(bucket.waitMs(1, 400)).toBe(600);
    expect(bucket.waitMs(1, 1000)).toBe(0);
  });

  test('an amount above the capacity waits for a full bucket, and leaves it in debt', () => {
    const bucket = new TokenBucket(1000, 0, 60);
    expect(bucket.waitMs(5000, 0)).toBe(0);
    bucket.take(5000, 0);
    expect(bucket.available(0)).toBe(-4000);
    expect(bucket.waitMs(5000, 0)).toBe(300_000);
  });

  test('a refund never lifts it above the capacity', () => {
    const bucket = new TokenBucket(100, 0, 60);
    bucket.take(10, 0);
    bucket.take(-50, 0);
    expect(bucket.available(0)).toBe(100);
  });

  test('clamp lowers to what remains; resize keeps the tokens up to the new capacity', () => {
    const bucket = new TokenBucket(100, 0, 60);
    bucket.clamp(150, 0);
    expect(bucket.available(0)).toBe(100);
    bucket.clamp(40, 0);
    expect(bucket.available(0)).toBe(40);
    bucket.resize(30, 0);
    expect(bucket.capacity).toBe(30);
    expect(bucket.available(0)).toBe(30);
    bucket.resize(600, 0);
    expect(bucket.available(1000)).toBeCloseTo(40);
  });

  test('a clock that steps back is ignored', () => {
    const bucket = new TokenBucket(60, 1000, 60);
    bucket.take(60, 1000);
    expect(bucket.available(0)).toBe(0);
    expect(bucket.available(2000)).toBeCloseTo(1);
  });

  test('by default it holds one second of its rate (at least one token), so an idle credential cannot burst a minute', () => {
    const bucket = new TokenBucket(600, 0);
    expect(bucket.capacity).toBe(10);
    expect(bucket.available(0)).toBe(10);
    expect(bucket.available(600_000)).toBe(10);
    expect(new TokenBucket(30, 0).capacity).toBe(1);
  });
});
