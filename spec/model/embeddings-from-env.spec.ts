import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { embeddingConfigFromEnv } from '../../lib/model/embeddings-from-env.ts';

describe('embeddingConfigFromEnv', () => {
  test('an openai engine at RXDGT_EMBEDDINGS_URL, asking for the default model unless RXDGT_EMBEDDINGS_MODEL names one', () => {
    expect(embeddingConfigFromEnv('all-mpnet', { RXDGT_EMBEDDINGS_URL: ' http://localhost:8080/v1/ ' })).toEqual({
      type: 'openai',
      base_url: 'http://localhost:8080/v1',
      model_id_or_path: 'all-mpnet',
    });
    expect(embeddingConfigFromEnv('all-mpnet', { RXDGT_EMBEDDINGS_URL: 'https://e.example/v1', RXDGT_EMBEDDINGS_MODEL: 'bge-small' })).toMatchObject({ model_id_or_path: 'bge-small' });
    expect(embeddingConfigFromEnv('all-mpnet', { RXDGT_EMBEDDINGS_URL: 'https://e.example/v1', RXDGT_EMBEDDINGS_MODEL: '  ' })).toMatchObject({ model_id_or_path: 'all-mpnet' });
  });

  test('undefined when the URL is unset or blank', () => {
    expect(embeddingConfigFromEnv('m', {})).toBeUndefined();
    expect(embeddingConfigFromEnv('m', { RXDGT_EMBEDDINGS_URL: '  ', RXDGT_EMBEDDINGS_MODEL: 'x' })).toBeUndefined();
  });

  test.each([
    ['not a URL', 'localhost:8080', 'must be an http(s) URL'],
    ['another scheme', 'ftp://host/v1', 'must be an http(s) URL'],
    ['credentials in the URL', 'http://user:secret@host/v1', 'holds a user name or password'],
  ])('%s is a ConfigError naming the variable', (_name, url, message) => {
    let error: unknown;
    try {
      embeddingConfigFromEnv('m', { RXDGT_EMBEDDINGS_URL: url });
    } catch (caught) {
      error = caught;
    }
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).field).toBe('RXDGT_EMBEDDINGS_URL');
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('secret');
  });
});
