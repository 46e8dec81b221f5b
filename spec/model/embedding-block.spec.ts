import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { clearAdmissions } from '../../lib/model/admission-registry.ts';
import { embedderFactory, embeddingFromBlock, missingEmbeddingConfig } from '../../lib/model/embedding-block.ts';
import type { ResponseCache } from '../../lib/model/response-cache.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { configErrorFrom } from '../helpers/config-error-from.ts';

const place = { file: 'qa.yaml', field: 'blocks.1.embedding_config', name: 'dedup' };

beforeEach(() => {
  for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OLLAMA_HOST', 'WATSONX_API_KEY', 'WATSONX_API_TOKEN', 'WATSONX_PROJECT_ID', 'WATSONX_API_URL', 'WATSONX_IAM_URL']) vi.stubEnv(name, undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
  clearAdmissions();
});

const failure = (run: () => unknown): ConfigError => configErrorFrom(run, 'making the embedding engine');

describe('embeddingFromBlock', () => {
  test('builds the engine of each type, with its block name and settings', () => {
    const modelFile = join(tempDir(), 'embed.gguf');
    writeFileSync(modelFile, 'not yet loaded');
    const engines = [
      embeddingFromBlock({ type: 'openai', model_id_or_path: 'text-embedding-3-small', api_key: 'sk', dimensions: 256, batch_size: 100 }, place),
      embeddingFromBlock({ type: 'vllm-remote', model_id_or_path: 'e5', base_url: 'http://127.0.0.1:8000/v1' }, place),
      embeddingFromBlock({ type: 'ollama', model_id_or_path: 'nomic-embed-text', base_url: 'http://127.0.0.1:11434', num_ctx: 2048 }, place),
      embeddingFromBlock({ type: 'watsonx', model_id_or_path: 'ibm/slate', api_key: 'w', project_id: 'p', call_limit: 64 }, place),
      embeddingFromBlock({ type: 'llama-cpp', model_id_or_path: modelFile, name: 'own-name' }, place),
    ];
    expect(engines.map(({ name, model }) => [name, model.provider, model.modelId, model.endpoint])).toEqual([
      ['dedup', 'openai', 'text-embedding-3-small', 'https://api.openai.com/v1'],
      ['dedup', 'vllm-remote', 'e5', 'http://127.0.0.1:8000/v1'],
      ['dedup', 'ollama', 'nomic-embed-text', 'http://127.0.0.1:11434'],
      ['dedup', 'watsonx', 'ibm/slate', 'https://us-south.ml.cloud.ibm.com'],
      ['own-name', 'llama-cpp', modelFile, `llama-cpp://${modelFile}`],
    ]);
    expect([engines[0]!.batchSize, engines[0]!.model.dimensions]).toEqual([100, 256]);
    // watsonx's terms allow 10 calls at once.
    expect(engines[3]!.callLimit).toBe(10);
  });

  test('a missing config says so and shows one, naming the file and the field', () => {
    const error = failure(() => embeddingFromBlock(undefined, place));
    expect(error.file).toBe('qa.yaml');
    expect(error.field).toBe('blocks.1.embedding_config');
    expect(error.message).toContain('`embedding_config` is missing');
    expect(error.message).toContain('type: ollama');
    expect(missingEmbeddingConfig(place, { hint: 'DGT used X' }).message).toContain('(DGT used X)');
  });

  test('an unknown or ill-typed field is a ConfigError at its path', () => {
    expect(failure(() => embeddingFromBlock({ type: 'openai', model_id_or_path: 'm', api_key: 'k', batchsize: 4 }, place)).field).toBe('blocks.1.embedding_config.batchsize');
    const wrongType = failure(() => embeddingFromBlock({ type: 'anthropic', model_id_or_path: 'm' }, place));
    expect(wrongType.field).toBe('blocks.1.embedding_config.type');
    expect(failure(() => embeddingFromBlock({ type: 'ollama', model_id_or_path: 'm', batch_size: 0 }, place)).field).toBe('blocks.1.embedding_config.batch_size');
    expect(failure(() => embeddingFromBlock({ type: 'ollama', model_id_or_path: 'm', base_url: 'http://u:pw@host' }, place)).message).not.toContain('pw');
  });

  test("an engine's own check (a missing key or project) names the block and the field", () => {
    const openai = failure(() => embeddingFromBlock({ type: 'openai', model_id_or_path: 'text-embedding-3-small' }, place));
    expect([openai.file, openai.field]).toEqual(['qa.yaml', 'blocks.1.embedding_config.api_key']);
    expect(openai.message).toMatch(/embedding `dedup`: openai: missing API key/);
    expect(failure(() => embeddingFromBlock({ type: 'watsonx', model_id_or_path: 'm', api_key: 'k' }, place)).field).toBe('blocks.1.embedding_config.project_id');
    expect(failure(() => embeddingFromBlock({ type: 'llama-cpp', model_id_or_path: '/nowhere/x.gguf' }, place)).field).toBe('blocks.1.embedding_config.model_id_or_path');
  });

  test('lm_cache (its own, else the run default) opens through the run opener; prices come from the run when unset', () => {
    const opened: string[] = [];
    const cache: ResponseCache = { get: () => undefined, set: () => {}, close: () => {} };
    const defaults = { lmCache: 'run-cache.db', prices: { e5: { input: 1, output: 0 } }, openCache: (path: string) => (opened.push(path), cache) };
    const engine = embeddingFromBlock({ type: 'ollama', model_id_or_path: 'e5' }, place, defaults);
    embeddingFromBlock({ type: 'ollama', model_id_or_path: 'e5', lm_cache: 'own.db' }, place, defaults);
    expect(opened).toEqual([resolve('run-cache.db'), resolve('own.db')]);
    expect(engine.hasPrice).toBe(true);
  });
});

describe('embedderFactory', () => {
  test('gives one engine per distinct config and name, and closes their models at the end', async () => {
    const embedder = embedderFactory();
    const config = { type: 'ollama', model_id_or_path: 'e5', base_url: 'http://127.0.0.1:11434' };
    const first = embedder(config, place);
    expect(embedder({ ...config }, place)).toBe(first);
    expect(embedder(config, { ...place, name: 'other' })).not.toBe(first);
    expect(embedder({ ...config, batch_size: 8 }, place)).not.toBe(first);
    expect(() => embedder(null, place)).toThrow(/`embedding_config` is missing/);
    await expect(embedder.close()).resolves.toBeUndefined();
  });
});
