import { join } from 'node:path';
import { Subject, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { dedupEmbeddingBlock } from '../../../lib/blocks/embedding/dedup-embedding.ts';
import { embeddingBlocks } from '../../../lib/blocks/embedding/index.ts';
import type { BlockDefinition } from '../../../lib/blocks/block-definition.ts';
import { ConfigError } from '../../../lib/errors/config-error.ts';
import { accepted, rejected } from '../../../lib/outcome.ts';
import type { DataPoint, Outcome } from '../../../lib/record.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { useTestServers } from '../../helpers/test-servers.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { embeddingConfigOf, issuesOf, operatorOf, question, record, runBlock, useEmbeddingContexts } from './embedding-harness.ts';

const start = useTestServers();
const contextOf = useEmbeddingContexts();

const block = dedupEmbeddingBlock as unknown as BlockDefinition;

describe('dedup/embedding', () => {
  test('rejects a near-duplicate of a kept record, naming it and the cosine, and keeps the rest in order', async () => {
    const server = await start();
    const outcomes = await runBlock(block, { threshold: 0.95, input_map: { question: 'input' }, embedding_config: embeddingConfigOf(server) }, contextOf(), [
      question('1-a', 'What is the capital of France?'),
      question('2-b', 'what is the capital of france'),
      question('3-c', 'How do bees make honey?'),
      question('4-d', 'What is the capital of Spain?'),
    ]);
    expect(outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([
      ['1-a', 'accepted'],
      ['2-b', 'rejected'],
      ['3-c', 'accepted'],
      ['4-d', 'accepted'],
    ]);
    expect(issuesOf(outcomes[1])).toEqual([
      { code: 'duplicate', message: 'block `b`: the input is a near-duplicate of record 1-a (cosine 1 >= threshold 0.95)', block: 'b' },
    ]);
    expect(outcomes[0]?.record).toEqual(record({ question: 'What is the capital of France?' }));
  });

  test('restored records seed the kept set and pass unchanged; rejected records pass untouched', async () => {
    const server = await start();
    const restored: Outcome<DataPoint> = { status: 'restored', id: '0-r', record: record({ input: 'Name three rivers in Europe.' }) };
    const earlier = rejected(accepted('1-x', record({ input: 'Name three rivers in Europe.' })), [{ code: 'parse_failed', message: 'no', block: 'gen' }]);
    const outcomes = await runBlock(block, { embedding_config: embeddingConfigOf(server) }, contextOf(), [restored, earlier, accepted('2-y', record({ input: 'name three rivers in europe' }))]);
    expect(outcomes[0]).toBe(restored);
    expect(outcomes[1]).toBe(earlier);
    expect(issuesOf(outcomes[2])?.[0]?.message).toContain('near-duplicate of record 0-r');
  });

  test('an input that is not a text, or is empty, or absent, rejects its record', async () => {
    const server = await start();
    const outcomes = await runBlock(block, { embedding_config: embeddingConfigOf(server) }, contextOf(), [
      accepted('1', record({ input: 42 })),
      accepted('2', record({ input: '   ' })),
      accepted('3', record({ other: 'x' })),
    ]);
    expect(outcomes.map((outcome) => issuesOf(outcome)?.[0]?.code)).toEqual(['input_invalid', 'input_invalid', 'input_missing']);
    expect(issuesOf(outcomes[0])?.[0]?.message).toBe('block `b`: its input `input` is number, not a text');
    expect(server.counters.requests).toBe(0);
  });

  test('a failed embedding call rejects its records (embedding_failed); a refused key ends the run', async () => {
    const server = await start({ fault: (_request, index) => (index === 0 ? { kind: 'status', status: 500 } : undefined) });
    const outcomes = await runBlock(block, { embedding_config: embeddingConfigOf(server, { call_limit: 1 }) }, contextOf(), [
      accepted('1', record({ input: 'first text' })),
      accepted('2', record({ input: 'second text' })),
    ]);
    expect(issuesOf(outcomes[0])?.[0]).toMatchObject({ code: 'embedding_failed', message: expect.stringContaining('block `b`: cannot embed the input:') });
    expect(outcomes[1]?.status).toBe('accepted');

    const guarded = await start({ apiKey: 'right' });
    const run = runBlock(block, { embedding_config: embeddingConfigOf(guarded, { api_key: 'wrong' }) }, contextOf(), [accepted('1', record({ input: 'x' }))]);
    await expect(run).rejects.toThrow(/401/);
  });

  test('a burst is embedded in batches of batch_size, with call_limit calls at once; each call is spent by one record', async () => {
    const server = await start({ latencyMs: 20 });
    const inputs = Array.from({ length: 120 }, (_, index) => accepted(String(index), record({ input: `question number ${index} about topic ${index * 7}` })));
    const outcomes = await runBlock(block, { embedding_config: embeddingConfigOf(server, { call_limit: 2, batch_size: 50 }) }, contextOf(), inputs);
    expect(outcomes.map((outcome) => outcome.id)).toEqual(inputs.map((input) => input.id));
    const sizes = server.requests.map((request) => request.body.input.length);
    expect(sizes).toEqual([1, 1, 50, 50, 18]);
    const calls = outcomes.reduce((sum, outcome) => sum + (outcome.usage?.calls ?? 0), 0);
    expect(calls).toBe(5);
    expect(outcomes[0]?.usage?.byModel).toHaveProperty(['b: openai/embed']);
  });

  test('unsubscribing aborts the embedding calls in flight', async () => {
    const server = await start({ latencyMs: 5_000 });
    const source = new Subject<Outcome<DataPoint>>();
    const subscription = source.pipe(operatorOf(block, { embedding_config: embeddingConfigOf(server) }, contextOf())).subscribe();
    source.next(accepted('1', record({ input: 'slow text' })));
    await waitFor(() => server.counters.inFlight === 1);
    subscription.unsubscribe();
    await waitFor(() => server.counters.clientAborts === 1);
  });

  test('with lm_cache, a rerun embeds nothing again', async () => {
    const server = await start();
    const config = { embedding_config: embeddingConfigOf(server, { lm_cache: join(tempDir(), 'cache.db') }) };
    const inputs = [accepted('1', record({ input: 'alpha' })), accepted('2', record({ input: 'beta' }))];
    const first = contextOf();
    await runBlock(block, config, first, inputs);
    await first.close();
    const before = server.counters.requests;
    const outcomes = await runBlock(block, config, contextOf(), inputs);
    expect(server.counters.requests).toBe(before);
    expect(outcomes.map((outcome) => outcome.usage?.cachedCalls)).toEqual([1, 1]);
  });

  test('without embedding_config, a ConfigError says so and shows one; a bad threshold names its field', () => {
    const context = contextOf();
    let error: unknown;
    try {
      operatorOf(block, {}, context);
    } catch (caught) {
      error = caught;
    }
    expect(ConfigError.isInstance(error) && [error.file, error.field]).toEqual(['b.yaml', 'blocks.0.embedding_config']);
    expect((error as Error).message).toMatch(/`embedding_config` is missing: this block compares texts by their embeddings[\s\S]*model_id_or_path/);
    expect(() => operatorOf(block, { threshold: 2, embedding_config: {} }, context)).toThrow(/blocks\.0\.threshold/);
    expect(embeddingBlocks.map((definition) => definition.type)).toEqual(['dedup/embedding', 'magpie_distance']);
  });

  test('records of a slow source are decided one by one, without waiting for a batch', async () => {
    const server = await start();
    const source = new Subject<Outcome<DataPoint>>();
    const seen: Outcome<DataPoint>[] = [];
    source.pipe(operatorOf(block, { embedding_config: embeddingConfigOf(server) }, contextOf())).subscribe((outcome) => seen.push(outcome));
    source.next(accepted('1', record({ input: 'a first question' })));
    await waitFor(() => seen.length === 1);
    source.next(accepted('2', record({ input: 'A first question?' })));
    await waitFor(() => seen.length === 2);
    expect(seen.map((outcome) => outcome.status)).toEqual(['accepted', 'rejected']);
    source.complete();
    await expect(lastValueFrom(source.pipe(toArray()))).resolves.toEqual([]);
  });
});
