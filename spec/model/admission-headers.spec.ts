import { describe, expect, test } from 'vitest';
import { parseDuration, parseRateLimitHeaders } from '../../lib/model/admission-headers.ts';

describe('parseDuration', () => {
  test.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['0.5s', 500],
    ['1h2m3.5s', 3_723_500],
    ['1m30.25s', 90_250],
    ['250us', 0.25],
    ['2', 2000],
    [' 3s ', 3000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', 'soon', '1x', 's', '1s2', '-1s', '1.s'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('parseRateLimitHeaders', () => {
  test('reads every OpenAI field', () => {
    const headers = {
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-limit-tokens': '150000',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-remaining-tokens': '149984',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-reset-tokens': '6m0s',
    };
    expect(parseRateLimitHeaders(headers, 0)).toEqual({
      requests: { limit: 60, remaining: 59, resetMs: 1000 },
      tokens: { limit: 150_000, remaining: 149_984, resetMs: 360_000 },
    });
  });

  test('reads Anthropic fields, with resets as times from now (never negative)', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const headers = {
      'Anthropic-RateLimit-Requests-Limit': '50',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:02.500Z',
      'anthropic-ratelimit-tokens-reset': '2025-12-31T23:59:00Z',
    };
    expect(parseRateLimitHeaders(headers, now)).toEqual({ requests: { limit: 50, remaining: 0, resetMs: 2500 }, tokens: { resetMs: 0 } });
  });

  test('leaves out what is missing or unreadable', () => {
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit-requests': 'many', 'x-ratelimit-remaining-tokens': '', 'content-type': 'application/json' }, 0)).toEqual({
      requests: {},
      tokens: {},
    });
  });
});
