/**
 * The offline embedding model of `--simulated` runs: deterministic vectors near each other for texts sharing words, and
 * the run's `embedding_config`s answered by it (no endpoint reached, no key needed), checked as written all the same.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/errors/config-error.ts';
import { embedderFactory } from '../../../lib/model/embedding-block.ts';
import { createSimulatedEmbedding } from '../../../lib/providers/simulated/simulated-embedding-model.ts';
import { runCli } from '../../cli/run-cli.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const signal = AbortSignal.timeout(10_000);
const dot = (left: ArrayLike<number>, right: ArrayLike<number>): number => Array.from(left).reduce((sum, value, index) => sum + value * right[index]!, 0);

describe('createSimulatedEmbedding', () => {
  it('gives a text the same unit vector every time, of `dimensions`, and counts its words as tokens', async () => {
    const model = createSimulatedEmbedding({ dimensions: 16 });
    const { vectors, usage } = await model.doEmbed(['Which river flows through Budapest?', 'Which river flows through Budapest?'], { signal });
    expect(vectors).toHaveLength(2);
    expect(vectors[0]).toHaveLength(16);
    expect(Array.from(vectors[0]!)).toEqual(Array.from(vectors[1]!));
    expect(dot(vectors[0]!, vectors[0]!)).toBeCloseTo(1, 5);
    expect(usage.promptTokens).toBe(10);
    expect(Array.from((await createSimulatedEmbedding({ dimensions: 16 }).doEmbed(['Which river flows through Budapest?'], { signal })).vectors[0]!)).toEqual(Array.from(vectors[0]!));
    expect(model).toMatchObject({ provider: 'simulated', modelId: 'simulated', endpoint: 'simulated://offline', dimensions: 16 });
  });

  it('puts texts that differ in case and punctuation together, and texts with nothing in common apart', async () => {
    const { vectors } = await createSimulatedEmbedding().doEmbed(
      ['What is the capital of Australia?', 'what is the capital of australia', 'How long should I boil an egg?'],
      { signal },
    );
    expect(dot(vectors[0]!, vectors[1]!)).toBeCloseTo(1, 5);
    expect(dot(vectors[0]!, vectors[2]!)).toBeLessThan(0.5);
  });

  it('a text without a letter or digit is the zero vector', async () => {
    const { vectors } = await createSimulatedEmbedding({ dimensions: 4 }).doEmbed(['?!'], { signal });
    expect(Array.from(vectors[0]!)).toEqual([0, 0, 0, 0]);
  });
});

describe('embedding_config in a --simulated run', () => {
  const openCache = (): never => {
    throw new Error('a simulated run opens no cache');
  };

  it('answers offline: no endpoint, no key, no cache, with the block name and model id kept', async () => {
    const embedder = embedderFactory({ simulated: true, lmCache: 'answers.db', openCache, prices: { e5: { input: 1, output: 0 } } });
    const config = { type: 'openai', model_id_or_path: 'e5', base_url: 'http://127.0.0.1:9/v1', lm_cache: 'mine.db', dimensions: 8 };
    const engine = embedder(config, { file: 'magpie.yaml', field: 'blocks.3.embedding_config', name: 'dedup' });
    expect(engine.model).toMatchObject({ provider: 'simulated', modelId: 'e5', dimensions: 8 });
    expect(engine.name).toBe('dedup');
    const { vectors, usage } = await firstValueFrom(engine.embed(['a text', 'another text']));
    expect(vectors.map((vector) => vector.length)).toEqual([8, 8]);
    expect(usage.costUsd).toBe(0);
    await embedder.close();
  });

  it('is still checked as written: an unknown field names its file and field', () => {
    const embedder = embedderFactory({ simulated: true, openCache });
    let error: unknown;
    try {
      embedder({ type: 'openai', model_id_or_path: 'e5', colour: 'red' }, { file: 'magpie.yaml', field: 'blocks.3.embedding_config' });
    } catch (caught) {
      error = caught;
    }
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).file).toBe('magpie.yaml');
    expect((error as ConfigError).message).toContain('colour');
  });

  it('`rxdgt run --simulated` of the magpie sample reaches no embedding endpoint, and still finds its near-duplicate', async () => {
    const out = join(tempDir(), 'out');
    // An endpoint nothing listens on: a run that called it would fail its records.
    const result = await runCli(['run', '--simulated', '--task-paths', 'samples/magpie', '--output-dir', out], { RXDGT_EMBEDDINGS_URL: 'http://127.0.0.1:9/v1' });
    expect([result.code, result.stderr]).toEqual([0, '']);
    const folder = join(out, 'samples', 'magpie');
    const seen = readFileSync(join(folder, 'blocks', 'filter.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; magpie_tags: { repeat_count: number; min_similar_uuid: string | null } });
    // The first two rows ask the same question, once in lower case without its question mark.
    const [first, second] = [seen.find((record) => record.id.startsWith('0-'))!, seen.find((record) => record.id.startsWith('1-'))!];
    expect(second.magpie_tags).toMatchObject({ repeat_count: 1, min_similar_uuid: first.id });
  });
});
