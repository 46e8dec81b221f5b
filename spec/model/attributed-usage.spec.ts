import { expect, test } from 'vitest';
import { attributedUsage } from '../../lib/model/attributed-usage.ts';

test('attributes usage to its key, with the cost of the price', () => {
  const usage = attributedUsage('dedup: openai/e5', { inputPerMillion: 2, outputPerMillion: 10 }, { calls: 1, cachedCalls: 0, promptTokens: 1000, completionTokens: 100 });
  const part = { calls: 1, cachedCalls: 0, promptTokens: 1000, completionTokens: 100, costUsd: 0.003 };
  expect(usage).toEqual({ ...part, byModel: { 'dedup: openai/e5': part } });
  expect(attributedUsage('k', undefined, { calls: 0, cachedCalls: 1, promptTokens: 0, completionTokens: 0 }).costUsd).toBe(0);
});
