import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { parseConfig } from '../../lib/parse-config.ts';
import { sharedEngineCallPolicy, sharedEngineConfigFields } from '../../lib/model/shared-engine-config.ts';

const schema = z.object(sharedEngineConfigFields);

describe('sharedEngineConfigFields', () => {
  test('fill in the defaults every engine has', () => {
    expect(parseConfig('engine', schema, {})).toMatchObject({ callLimit: 10, maxRetries: 3, retryDelayMs: 500, cacheSize: 10_000, adaptive: true });
  });

  test('a bad value is a ConfigError naming the field', () => {
    expect(() => parseConfig('engine', schema, { callLimit: 0 })).toThrow(ConfigError);
    expect(() => parseConfig('engine', schema, { price: { inputPerMillion: 1 } })).toThrow(/invalid config at `price.outputPerMillion`/);
    expect(() => parseConfig('engine', schema, { diskCache: {} })).toThrow(/`diskCache`: expected a ResponseCache/);
  });
});

describe('sharedEngineCallPolicy', () => {
  test('caps the calls at the config\'s `callLimit`, on the admission of the target', () => {
    const policy = sharedEngineCallPolicy({ endpoint: 'http://127.0.0.1:1/shared-engine-config', credential: 'c' }, parseConfig('engine', schema, { callLimit: 3 }));
    expect(policy.limiter.limit).toBe(3);
    expect(policy.stats).toEqual({ requests: 0, retries: 0, failures: 0 });
  });
});
