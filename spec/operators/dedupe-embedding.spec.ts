import { Subject, firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, test } from 'vitest';
import { dedupEmbeddingBlock } from '../../lib/blocks/embedding/dedup-embedding.ts';
import type { BlockDefinition } from '../../lib/blocks/block-definition.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { clearAdmissions } from '../../lib/model/admission-registry.ts';
import { createEmbeddingEngine, type EmbeddingEngineConfig } from '../../lib/model/embedding-engine.ts';
import { accepted, rejected } from '../../lib/outcome.ts';
import { createOpenAIEmbedding } from '../../lib/providers/openai/openai-embedding-model.ts';
import type { DataPoint, Outcome, Rejected, Restored } from '../../lib/record.ts';
import { hashedEmbedding } from '../../lib/testing/test-server-embeddings.ts';
import type { TestServer } from '../../lib/testing/test-server.ts';
import { type DedupeConfig, dedupe } from '../../operators/dedupe.ts';
import { embeddingConfigOf, embeddingContext, runBlock } from '../blocks/embedding/embedding-harness.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { waitFor } from '../helpers/wait-for.ts';

interface Question {
  readonly question: string;
}

const start = useTestServers();
afterEach(() => clearAdmissions());

/** An engine on the test server's `/v1/embeddings`, without retries. */
const engineOf = (server: TestServer, config: EmbeddingEngineConfig = {}) =>
  createEmbeddingEngine(createOpenAIEmbedding({ baseURL: server.baseURL, modelId: 'embed', apiKey: 'k' }), { name: 'dedup', maxRetries: 0, ...config });
const ask = (id: string, question: string) => accepted<Question>(id, { question });
const restore = (id: string, question: string): Restored => ({ status: 'restored', id, record: { task_name: 'qa', is_seed: false, question } });
const run = (outcomes: readonly Outcome<Question>[], config: DedupeConfig<Question>) => firstValueFrom(from(outcomes).pipe(dedupe(config), toArray()));
const issuesOf = (outcome: Outcome<unknown> | undefined) => (outcome as Rejected).issues;
const cosineOf = (left: string, right: string) => {
  const [a, b] = [hashedEmbedding(left), hashedEmbedding(right)];
  return a.reduce((sum, value, index) => sum + value * b[index]!, 0);
};

const words = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty';

describe('dedupe method embedding', () => {
  test('rejects a near-duplicate by cosine (0.95 by default), naming the kept record; distinct texts are kept, in order', async () => {
    const server = await start();
    const near = `${words} twentyone`;
    expect(cosineOf(near, words)).toBeGreaterThanOrEqual(0.95);
    expect(cosineOf(near, words)).toBeLessThan(1);
    const outcomes = [ask('1', words), ask('2', 'What is the capital of France?'), ask('3', near), ask('4', 'what is the capital of france'), ask('5', 'How do bees make honey?')];
    const results = await run(outcomes, { key: 'question', method: 'embedding', engine: engineOf(server) });
    expect(results.map((outcome) => [outcome.id, outcome.status])).toEqual([
      ['1', 'accepted'],
      ['2', 'accepted'],
      ['3', 'rejected'],
      ['4', 'rejected'],
      ['5', 'accepted'],
    ]);
    const cosine = Number(cosineOf(near, words).toFixed(4));
    expect(issuesOf(results[2])).toEqual([
      { code: 'duplicate', message: `the text is a near-duplicate of record 1 (cosine ${cosine} >= threshold 0.95)`, block: 'dedup', path: ['question'] },
    ]);
    expect(results[3]).toEqual(
      rejected(outcomes[3]!, [{ code: 'duplicate', message: 'the text is a near-duplicate of record 2 (cosine 1 >= threshold 0.95)', block: 'dedup', path: ['question'] }], results[3]?.usage),
    );
    expect(results[0]?.record).toEqual({ question: words });
    // Each call's usage is carried by one record, the first accepted one embedded in it.
    const calls = results.reduce((sum, outcome) => sum + (outcome.usage?.calls ?? 0), 0);
    expect(calls).toBe(server.counters.requests);
    expect(results[0]?.usage?.byModel).toHaveProperty(['dedup: openai/embed']);
  });

  test('takes the threshold and name it is given, and a key function (no path in its issues)', async () => {
    const server = await start();
    const near = `${words} twentyone`;
    const outcomes = [ask('1', words), ask('2', near)];
    const strict = await run(outcomes, { key: 'question', method: 'embedding', engine: engineOf(server), threshold: 0.99 });
    expect(strict.map((outcome) => outcome.status)).toEqual(['accepted', 'accepted']);
    const loose = await run(outcomes, { name: 'questions', key: (record) => record.question, method: 'embedding', engine: engineOf(server), threshold: 0.9 });
    expect(issuesOf(loose[1])).toEqual([{ code: 'duplicate', message: expect.stringContaining('near-duplicate of record 1'), block: 'questions' }]);
  });

  test('restored records seed the kept set and pass unchanged; rejected records pass untouched', async () => {
    const server = await start();
    const seed = restore('0-r', 'Name three rivers in Europe.');
    const earlier = rejected(ask('1', 'Name three rivers in Europe.'), [{ code: 'parse_failed', message: 'no', block: 'gen' }]);
    const unreadable: Restored = { status: 'restored', id: '0-s', record: { task_name: 'qa', is_seed: false } };
    const results = await run([seed, unreadable, earlier, ask('2', 'name three rivers in europe'), ask('3', 'Name three lakes in Asia.')], {
      key: 'question',
      method: 'embedding',
      engine: engineOf(server),
    });
    expect(results[0]).toBe(seed);
    expect(results[1]).toBe(unreadable);
    expect(results[2]).toBe(earlier);
    expect(issuesOf(results[3])?.[0]?.message).toBe('the text is a near-duplicate of record 0-r (cosine 1 >= threshold 0.95)');
    expect(results[4]?.status).toBe('accepted');
  });

  test('a key that cannot be read, or an empty text, rejects its record (dedupe_key_invalid) without a call', async () => {
    const server = await start();
    const odd = accepted('2', { question: 42 } as unknown as Question);
    const results = await run([odd, ask('3', '   ')], { key: 'question', method: 'embedding', engine: engineOf(server) });
    expect(results.map((outcome) => issuesOf(outcome))).toEqual([
      [{ code: 'dedupe_key_invalid', message: 'cannot read the text to compare: field `question` is number, expected a string', block: 'dedup', path: ['question'] }],
      [{ code: 'dedupe_key_invalid', message: 'the text to compare is empty, so there is nothing to embed', block: 'dedup', path: ['question'] }],
    ]);
    expect(server.counters.requests).toBe(0);
  });

  test('a failed embedding call rejects its records (embedding_failed) and the stream goes on', async () => {
    const server = await start({ fault: (_request, index) => (index === 0 ? { kind: 'status', status: 500 } : undefined) });
    const results = await run([ask('1', 'first text'), ask('2', 'second text')], { key: 'question', method: 'embedding', engine: engineOf(server, { callLimit: 1 }) });
    expect(issuesOf(results[0])?.[0]).toMatchObject({ code: 'embedding_failed', message: expect.stringContaining('cannot embed the text:'), path: ['question'] });
    expect(results[1]?.status).toBe('accepted');
  });

  test('embeds in batches of the engine batchSize, with its callLimit calls at once', async () => {
    const server = await start({ latencyMs: 20 });
    const outcomes = Array.from({ length: 120 }, (_, index) => ask(String(index), `question number ${index} about topic ${index * 7}`));
    const results = await run(outcomes, { key: 'question', method: 'embedding', engine: engineOf(server, { callLimit: 2, batchSize: 50 }) });
    expect(results.map((outcome) => outcome.id)).toEqual(outcomes.map((outcome) => outcome.id));
    expect(server.requests.map((request) => request.body.input.length)).toEqual([1, 1, 50, 50, 18]);
  });

  test('unsubscribing aborts the embedding calls in flight', async () => {
    const server = await start({ latencyMs: 5_000 });
    const source = new Subject<Outcome<Question>>();
    const subscription = source.pipe(dedupe<Question>({ key: 'question', method: 'embedding', engine: engineOf(server) })).subscribe();
    source.next(ask('1', 'slow text'));
    await waitFor(() => server.counters.inFlight === 1);
    subscription.unsubscribe();
    await waitFor(() => server.counters.clientAborts === 1);
  });

  test('each subscription keeps its own kept set', async () => {
    const server = await start();
    const operator = dedupe<Question>({ key: 'question', method: 'embedding', engine: engineOf(server) });
    const outcomes = [ask('1', 'a first question'), ask('2', 'A first question?')];
    for (let pass = 0; pass < 2; pass++) {
      const results = await lastValueFrom(from(outcomes).pipe(operator, toArray()));
      expect(results.map((outcome) => outcome.status)).toEqual(['accepted', 'rejected']);
    }
  });

  test('decides as the dedup/embedding block does over the same texts', async () => {
    const server = await start();
    const texts = Array.from({ length: 60 }, (_, index) => `${words.split(' ').slice(0, 5 + (index % 16)).join(' ')} ${index % 4 === 0 ? 'extra' : ''}`);
    const outcomes = texts.map((question, index) => (index % 7 === 0 ? restore(`r${index}`, question) : ask(String(index), question)));
    const operated = await run(outcomes, { key: 'question', method: 'embedding', engine: engineOf(server), threshold: 0.9 });
    const context = embeddingContext();
    const blockInputs = outcomes.map((outcome): Outcome<DataPoint> =>
      outcome.status === 'accepted' ? accepted(outcome.id, { task_name: 'qa', is_seed: false, question: outcome.record.question }) : outcome,
    );
    const blocked = await runBlock(dedupEmbeddingBlock as unknown as BlockDefinition, { threshold: 0.9, input_map: { question: 'input' }, embedding_config: embeddingConfigOf(server) }, context, blockInputs);
    await context.close();
    expect(operated.map((outcome) => outcome.status)).toEqual(blocked.map((outcome) => outcome.status));
    expect(operated.filter((outcome) => outcome.status === 'rejected').length).toBeGreaterThan(10);
  });

  test('a threshold above 1 keeps everything, without a call', async () => {
    const server = await start();
    const outcomes = [ask('1', 'same'), ask('2', 'same')];
    expect(await run(outcomes, { key: 'question', method: 'embedding', engine: engineOf(server), threshold: 1.1 })).toEqual(outcomes);
    expect(server.counters.requests).toBe(0);
  });

  test.each([
    ['embedding without an engine', { key: 'q', method: 'embedding' }, /dedupe: invalid config at `engine`: is required by method `embedding`/],
    ['an engine with rouge-l', { key: 'q', engine: 'ENGINE' }, /dedupe: invalid config at `engine`: applies to method `embedding` only, not `rouge-l`/],
    ['an engine with minhash', { key: 'q', method: 'minhash', engine: 'ENGINE' }, /invalid config at `engine`: applies to method `embedding` only, not `minhash`/],
    ['an engine that is not one', { key: 'q', method: 'embedding', engine: { embed: () => [] } }, /invalid config at `engine`: expected an EmbeddingEngine \(createEmbeddingEngine\), received object/],
    ['shingleSize with embedding', { key: 'q', method: 'embedding', engine: 'ENGINE', shingleSize: 3 }, /invalid config at `shingleSize`: applies to method `minhash` only, not `embedding`/],
    ['a threshold of 0', { key: 'q', method: 'embedding', engine: 'ENGINE', threshold: 0 }, /invalid config at `threshold`/],
  ])('bad config: %s is a ConfigError at the factory call', async (_, config, message) => {
    const server = await start();
    const engine = engineOf(server);
    const withEngine = Object.fromEntries(Object.entries(config).map(([field, value]) => [field, value === 'ENGINE' ? engine : value]));
    let error: unknown;
    try {
      dedupe(withEngine as unknown as DedupeConfig<Question>);
    } catch (caught) {
      error = caught;
    }
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(server.counters.requests).toBe(0);
  });
});
