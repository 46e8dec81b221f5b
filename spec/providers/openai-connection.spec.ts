import { describe, expect, test, vi } from 'vitest';
import { openAIConnection } from '../../lib/providers/openai/openai-connection.ts';
import { useUnsetEnvironment } from '../helpers/provider-spec.ts';

useUnsetEnvironment(['OPENAI_API_KEY', 'OPENAI_BASE_URL']);

describe('openAIConnection', () => {
  test('trims the base URL, keeps the key, and gives the identity every OpenAI-compatible model has', () => {
    const { baseURL, apiKey, timeoutMs, provider, identity } = openAIConnection({ modelId: 'm', baseURL: 'http://127.0.0.1:8000/v1//', apiKey: 'k', provider: 'vllm-remote' }, 'vllm-remote');
    expect([baseURL, apiKey, timeoutMs, provider]).toEqual(['http://127.0.0.1:8000/v1', 'k', 300_000, 'vllm-remote']);
    expect(identity).toMatchObject({ specificationVersion: 'v1', provider: 'vllm-remote', modelId: 'm', endpoint: 'http://127.0.0.1:8000/v1' });
    expect(identity.credential).toMatch(/^[0-9a-f]{16}$/);
  });

  test('reads OPENAI_BASE_URL and OPENAI_API_KEY; a keyless local server has no credential', () => {
    vi.stubEnv('OPENAI_BASE_URL', 'http://127.0.0.1:9/v1');
    expect(openAIConnection({ modelId: 'm' }, 'openai').identity).not.toHaveProperty('credential');
    vi.stubEnv('OPENAI_API_KEY', 'env-key');
    expect(openAIConnection({ modelId: 'm' }, 'openai')).toMatchObject({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'env-key' });
  });

  test('OpenAI itself without a key is a ConfigError naming `api_key`, worded by the engine given', () => {
    expect(() => openAIConnection({ modelId: 'm', provider: 'vllm-remote' }, 'openai')).toThrow(expect.objectContaining({ name: 'ConfigError', field: 'api_key', message: expect.stringMatching(/^openai: missing API key/) }));
  });
});
