import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import type { LanguageModel } from '../../lib/model/language-model.ts';
import { createAnthropic } from '../../lib/providers/anthropic/anthropic-model.ts';
import { createAzureOpenAI } from '../../lib/providers/azure-openai/azure-openai-model.ts';
import { environmentUrl } from '../../lib/providers/environment-url.ts';
import { createOllama } from '../../lib/providers/ollama/ollama-model.ts';
import { createOllamaNative } from '../../lib/providers/ollama-native/ollama-native-model.ts';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import { createWatsonx } from '../../lib/providers/watsonx/watsonx-model.ts';

afterEach(() => {
  vi.unstubAllEnvs();
});

/** The ConfigError `create` throws; fails the test when it throws nothing or something else. */
function configErrorFrom(create: () => unknown): ConfigError {
  try {
    create();
  } catch (error) {
    expect(ConfigError.isInstance(error), `expected a ConfigError, got ${String(error)}`).toBe(true);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

const remedy = 'credentials belong in `api_key` or OPENAI_API_KEY, not in the URL';

describe('environmentUrl', () => {
  it('is the variable as set, or undefined when unset', () => {
    vi.stubEnv('RXDGT_TEST_URL', 'http://127.0.0.1:9/v1/users/@me');
    expect(environmentUrl('RXDGT_TEST_URL', { engine: 'openai', field: 'base_url', remedy })).toBe('http://127.0.0.1:9/v1/users/@me');
    vi.stubEnv('RXDGT_TEST_URL', undefined);
    expect(environmentUrl('RXDGT_TEST_URL', { engine: 'openai', field: 'base_url', remedy })).toBeUndefined();
  });

  it('refuses a URL with a user name or password, naming the variable and the field but neither secret', () => {
    vi.stubEnv('RXDGT_TEST_URL', 'http://alice:s3cret@127.0.0.1:9/v1');
    const error = configErrorFrom(() => environmentUrl('RXDGT_TEST_URL', { engine: 'openai', field: 'base_url', remedy }));
    expect(error.message).toBe(`openai: the RXDGT_TEST_URL environment variable holds a URL with a user name or password: ${remedy}`);
    expect(error.field).toBe('base_url');
    expect(error.cause).toBeUndefined();
  });
});

/** Each engine, with every key it needs, built from its environment alone. */
const engines: readonly { readonly name: string; readonly variable: string; readonly field: string; readonly keyHint: RegExp; readonly create: () => LanguageModel }[] = [
  { name: 'createOpenAI', variable: 'OPENAI_BASE_URL', field: 'base_url', keyHint: /OPENAI_API_KEY/, create: () => createOpenAI({ modelId: 'm' }) },
  { name: 'createOllamaNative', variable: 'OLLAMA_HOST', field: 'base_url', keyHint: /`openai` block/, create: () => createOllamaNative({ modelId: 'm' }) },
  { name: 'createOllama', variable: 'OLLAMA_HOST', field: 'base_url', keyHint: /`openai` block/, create: () => createOllama({ modelId: 'm' }) },
  { name: 'createAnthropic', variable: 'ANTHROPIC_BASE_URL', field: 'base_url', keyHint: /ANTHROPIC_API_KEY/, create: () => createAnthropic({ modelId: 'm', apiKey: 'k' }) },
  { name: 'createAzureOpenAI', variable: 'AZURE_OPENAI_ENDPOINT', field: 'base_url', keyHint: /AZURE_OPENAI_API_KEY/, create: () => createAzureOpenAI({ deployment: 'd', apiKey: 'k' }) },
  { name: 'createWatsonx', variable: 'WATSONX_API_URL', field: 'base_url', keyHint: /WATSONX_API_KEY/, create: () => createWatsonx({ modelId: 'm', apiKey: 'k', projectId: 'p' }) },
  { name: 'createWatsonx', variable: 'WATSONX_IAM_URL', field: 'iam_url', keyHint: /WATSONX_API_KEY/, create: () => createWatsonx({ modelId: 'm', apiKey: 'k', projectId: 'p' }) },
];

describe('engine endpoints from the environment', () => {
  for (const { name, variable, field, keyHint, create } of engines) {
    it(`${variable} with a user name and password is a ConfigError at \`${field}\` (${name})`, () => {
      vi.stubEnv(variable, variable === 'OLLAMA_HOST' ? 'alice:s3cret@gpu-box:11434' : 'https://alice:s3cret@host.example');
      const error = configErrorFrom(create);
      expect(error.message).toContain(`the ${variable} environment variable holds a URL with a user name or password`);
      expect(error.message).toMatch(keyHint);
      expect(error.message).not.toMatch(/alice|s3cret/);
      expect(error.field).toBe(field);
    });

    it(`${variable} without userinfo is used as before (${name})`, () => {
      vi.stubEnv(variable, 'https://host.example');
      const model = create();
      // The IAM origin is not the endpoint: the model is made, that is all there is to see.
      if (field === 'base_url') expect(model.endpoint).toContain('https://host.example');
    });
  }

  it('a variable is not read when the settings give the URL', () => {
    vi.stubEnv('OPENAI_BASE_URL', 'http://alice:s3cret@127.0.0.1:9/v1');
    vi.stubEnv('OLLAMA_HOST', 'alice:s3cret@gpu-box');
    vi.stubEnv('ANTHROPIC_BASE_URL', 'http://alice:s3cret@127.0.0.1:9');
    vi.stubEnv('AZURE_OPENAI_ENDPOINT', 'http://alice:s3cret@127.0.0.1:9');
    vi.stubEnv('WATSONX_API_URL', 'http://alice:s3cret@127.0.0.1:9');
    vi.stubEnv('WATSONX_IAM_URL', 'http://alice:s3cret@127.0.0.1:9');
    const url = 'http://127.0.0.1:9';
    expect(createOpenAI({ modelId: 'm', baseURL: `${url}/v1` }).endpoint).toBe(`${url}/v1`);
    expect(createOllamaNative({ modelId: 'm', baseURL: url }).endpoint).toBe(url);
    expect(createOllama({ modelId: 'm', baseURL: url }).endpoint).toBe(`${url}/v1`);
    expect(createAnthropic({ modelId: 'm', apiKey: 'k', baseURL: url }).endpoint).toBe(url);
    expect(createAzureOpenAI({ deployment: 'd', apiKey: 'k', endpoint: url }).endpoint).toBe(`${url}/openai/deployments/d`);
    expect(createWatsonx({ modelId: 'm', apiKey: 'k', projectId: 'p', apiUrl: url, iamUrl: url }).endpoint).toBe(url);
  });
});
