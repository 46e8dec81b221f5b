import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../lib/model/engine.ts';
import { engineFromBlock } from '../../lib/run/lm-block.ts';
import { configErrorFrom } from '../helpers/config-error-from.ts';

const where = { file: 'builders/geo/qa.yaml', field: 'blocks.0' };
const openCache = () => {
  throw new Error('no cache in these tests');
};
const made: Engine[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((engine) => engine.model.close?.()));
});

function engineOf(block: Readonly<Record<string, unknown>>, batch = false): Engine {
  const engine = engineFromBlock(block, where, { openCache, ...(batch ? { batch: true } : {}) });
  made.push(engine);
  return engine;
}

const openai = { name: 'generator', type: 'openai', model_id_or_path: 'm', base_url: 'http://127.0.0.1:9/v1', price: { input: 2, output: 8 } };

describe('engineFromBlock: batch blocks', () => {
  it('`batch: true` wraps the model in batch jobs, keeps `batch_max_requests` calls in flight and counts half the price', () => {
    const engine = engineOf({ ...openai, batch: true, batch_max_requests: 500 });
    expect(engine.model.provider).toBe('openai-batch');
    expect(engine.model.endpoint).toBe('http://127.0.0.1:9/v1/batches');
    expect(engine.callLimit).toBe(500);
    const usage = engine.usageOf({ texts: ['a'], finishReason: 'stop', usage: { promptTokens: 1_000_000, completionTokens: 1_000_000 }, cached: false });
    expect(usage.costUsd).toBe((2 + 8) * 0.5);
    expect(Object.keys(usage.byModel)).toEqual(['generator: openai-batch/m']);
  });

  it('the run-wide `batch` default (`--batch`) applies to types with a batch API, unless the block says `batch: false`', () => {
    expect(engineOf(openai, true).model.provider).toBe('openai-batch');
    expect(engineOf({ ...openai, batch: false }, true).model.provider).toBe('openai');
    expect(engineOf({ ...openai, type: 'vllm-remote' }, true).model.provider).toBe('vllm-remote');
    expect(engineOf({ name: 'generator', type: 'anthropic', model_id_or_path: 'c', api_key: 'k', base_url: 'http://127.0.0.1:9' }, true).model.provider).toBe('anthropic-batch');
  });

  it('`batch: true` on a type without a batch API is a ConfigError naming the field and the types that have one', () => {
    const error = configErrorFrom(() => engineOf({ ...openai, type: 'vllm-remote', batch: true }), 'engineFromBlock');
    expect(error.file).toBe(where.file);
    expect(error.field).toBe('blocks.0.batch');
    expect(error.message).toContain('engine type `vllm-remote` has no batch API (types with one: openai, azure-openai, anthropic)');
  });

  it('refuses bad batch fields by name', () => {
    const error = configErrorFrom(() => engineOf({ ...openai, batch: true, batch_max_requests: 0 }), 'engineFromBlock');
    expect(error.field).toBe('blocks.0.batch_max_requests');
  });
});
