import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { BlockDefinition } from '../../../lib/blocks/block-definition.ts';
import { magpieDistanceBlock } from '../../../lib/blocks/embedding/magpie-distance.ts';
import { magpieFilterBlock } from '../../../lib/blocks/judges/magpie-filter.ts';
import { ConfigError } from '../../../lib/errors/config-error.ts';
import { accepted } from '../../../lib/outcome.ts';
import type { DataPoint, Outcome, Rejected } from '../../../lib/record.ts';
import { useTestServers } from '../../helpers/test-servers.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { embeddingConfigOf, operatorOf, record, runBlock, useEmbeddingContexts } from './embedding-harness.ts';

const start = useTestServers();
const contextOf = useEmbeddingContexts();

afterEach(() => {
  vi.unstubAllEnvs();
});

const block = magpieDistanceBlock as unknown as BlockDefinition;
const tagsOf = (outcome: Outcome<DataPoint> | undefined) => (outcome?.record as DataPoint | undefined)?.['magpie_tags'];

describe('magpie_distance', () => {
  test('tags every record with its near-duplicates in the whole set: count, nearest distance, the first id of its cluster', async () => {
    const server = await start();
    const outcomes = await runBlock(block, { embedding_config: embeddingConfigOf(server) }, contextOf(), [
      accepted('1', record({ id: 'q-b', input: 'What is the capital of France?' })),
      accepted('2', record({ id: 'q-c', input: 'How do bees make honey?' })),
      accepted('3', record({ id: 'q-a', input: '  what is the capital of france ' })),
      accepted('4', record({ id: 'q-d', input: 'What is the Capital of FRANCE' })),
    ]);
    expect(outcomes.map((outcome) => outcome.id)).toEqual(['1', '2', '3', '4']);
    expect(outcomes.map(tagsOf)).toEqual([
      { min_neighbor_distance: expect.closeTo(0, 5), repeat_count: 2, min_similar_uuid: 'q-b' },
      { min_neighbor_distance: expect.any(Number), repeat_count: 0, min_similar_uuid: null },
      { min_neighbor_distance: expect.closeTo(0, 5), repeat_count: 2, min_similar_uuid: 'q-b' },
      { min_neighbor_distance: expect.closeTo(0, 5), repeat_count: 2, min_similar_uuid: 'q-b' },
    ]);
    // As DGT's search: the distance to the nearest record even when it is no near-duplicate.
    expect((tagsOf(outcomes[1]) as { min_neighbor_distance: number }).min_neighbor_distance).toBeGreaterThan(0.05);
    expect(outcomes[0]?.record).toMatchObject({ id: 'q-b', input: 'What is the capital of France?' });
  });

  test('distance_threshold is a squared L2 distance between unit vectors: a looser one joins nearer texts', async () => {
    const server = await start();
    const texts = ['Which river flows through the city of Budapest in Hungary?', 'Which river flows through the city of Budapest in Europe?'];
    const inputs = texts.map((input, index) => accepted(String(index), record({ id: `r${index}`, input })));
    const strict = await runBlock(block, { embedding_config: embeddingConfigOf(server) }, contextOf(), inputs);
    expect(strict.map((outcome) => (tagsOf(outcome) as { repeat_count: number }).repeat_count)).toEqual([0, 0]);
    const loose = await runBlock(block, { distance_threshold: 0.4, embedding_config: embeddingConfigOf(server) }, contextOf(), inputs);
    const [first] = loose.map(tagsOf) as { repeat_count: number; min_neighbor_distance: number; min_similar_uuid: string }[];
    expect(first).toMatchObject({ repeat_count: 1, min_similar_uuid: 'r0' });
    expect(first!.min_neighbor_distance).toBeGreaterThan(0.05);
    expect(first!.min_neighbor_distance).toBeLessThan(0.4);
  });

  test('holds the records until its input ends: each one needs all the others', async () => {
    const server = await start();
    const source = new Subject<Outcome<DataPoint>>();
    const seen: Outcome<DataPoint>[] = [];
    let done = false;
    source.pipe(operatorOf(block, { embedding_config: embeddingConfigOf(server) }, contextOf())).subscribe({ next: (outcome) => seen.push(outcome), complete: () => (done = true) });
    source.next(accepted('1', record({ id: 'x', input: 'first' })));
    await waitFor(() => server.counters.answered === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual([]);
    source.complete();
    await waitFor(() => done);
    expect(seen).toHaveLength(1);
  });

  test('without an id, the rxdgt_id is the id, written to the record: of two exact duplicates the later is the duplicate', async () => {
    const server = await start();
    const outcomes = await runBlock(block, { embedding_config: embeddingConfigOf(server) }, contextOf(), [
      accepted('2-bbb', record({ input: ' Tell me a joke. ' })),
      accepted('1-aaa', record({ input: 'Tell me a joke.' })),
      accepted('3-ccc', record({ input: 'A lone alone record' })),
    ]);
    expect(outcomes.map((outcome) => (outcome.record as DataPoint)['id'])).toEqual(['2-bbb', '1-aaa', '3-ccc']);
    // Input order is the sequence number of the input id, not the arrival order.
    expect(outcomes.map((outcome) => (tagsOf(outcome) as { min_similar_uuid: unknown }).min_similar_uuid)).toEqual(['1-aaa', '1-aaa', null]);
  });

  test('reads a conversation (its user turns) and adds to the tags the record has', async () => {
    const server = await start();
    const conversation = (id: string, question: string) =>
      accepted(id, record({ id, turns: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: question }, { role: 'assistant', content: 'Sure.' }], magpie_tags: { difficulty: 'easy' } }));
    const outcomes = await runBlock(
      block,
      { input_map: { turns: 'magpie_mt_input', id: 'id', magpie_tags: 'magpie_tags' }, embedding_config: embeddingConfigOf(server) },
      contextOf(),
      [conversation('m2', 'Summarise the plot of Hamlet'), conversation('m1', 'summarise the plot of hamlet.')],
    );
    expect(server.requests[0]?.body.input).toEqual(['Summarise the plot of Hamlet']);
    expect(tagsOf(outcomes[0])).toEqual({ difficulty: 'easy', min_neighbor_distance: expect.closeTo(0, 5), repeat_count: 1, min_similar_uuid: 'm2' });
  });

  test('restored records count as neighbours and pass unchanged; a record with no text is rejected', async () => {
    const server = await start();
    const restored: Outcome<DataPoint> = { status: 'restored', id: '0', record: record({ id: 'old', input: 'Describe a sunset' }) };
    const outcomes = await runBlock(block, { embedding_config: embeddingConfigOf(server) }, contextOf(), [
      restored,
      accepted('1', record({ id: 'new', input: 'describe a sunset!' })),
      accepted('2', record({ id: 'none' })),
    ]);
    const byId = new Map(outcomes.map((outcome) => [outcome.id, outcome]));
    expect(byId.get('0')).toBe(restored);
    expect(tagsOf(byId.get('1'))).toMatchObject({ repeat_count: 1, min_similar_uuid: 'old' });
    expect((byId.get('2') as Rejected).issues[0]).toMatchObject({ code: 'input_invalid', message: expect.stringContaining('block `b`: it has neither a request text') });
  });

  test('with magpie_filter after it, one record of each cluster survives: its first in input order', async () => {
    const server = await start();
    const context = contextOf();
    const inputs = [
      accepted('1', record({ id: 'z', question: 'What is photosynthesis?' })),
      accepted('2', record({ id: 'y', question: 'what is photosynthesis' })),
      accepted('3', record({ id: 'x', question: 'Why is the sky blue?' })),
    ];
    const distance = operatorOf(block, { input_map: { question: 'magpie_input', id: 'id' }, embedding_config: embeddingConfigOf(server) }, context);
    const filter = operatorOf(magpieFilterBlock as unknown as BlockDefinition, { filter: true, filter_type: 'high_quality_filter' }, context);
    const outcomes = await lastValueFrom(from(inputs).pipe(distance, filter, toArray()));
    expect(outcomes.map((outcome) => [outcome.record && (outcome.record as DataPoint)['id'], outcome.status])).toEqual([
      ['z', 'accepted'],
      ['y', 'rejected'],
      ['x', 'accepted'],
    ]);
  });

  test('without embedding_config, it embeds through RXDGT_EMBEDDINGS_URL, asking for RXDGT_EMBEDDINGS_MODEL or else the sentence_model', async () => {
    const server = await start();
    vi.stubEnv('RXDGT_EMBEDDINGS_URL', server.baseURL);
    vi.stubEnv('RXDGT_EMBEDDINGS_MODEL', '');
    const inputs = [accepted('1', record({ id: 'a', input: 'Name a prime number' })), accepted('2', record({ id: 'b', input: 'name a prime number!' }))];
    const outcomes = await runBlock(block, { sentence_model: 'sentence-transformers/all-MiniLM-L6-v2' }, contextOf(), inputs);
    expect(outcomes.map((outcome) => (tagsOf(outcome) as { min_similar_uuid: unknown }).min_similar_uuid)).toEqual(['a', 'a']);
    const asked = server.requests.map((request) => `${request.path} ${request.body.model}`);
    expect(new Set(asked)).toEqual(new Set(['/v1/embeddings sentence-transformers/all-MiniLM-L6-v2']));
    vi.stubEnv('RXDGT_EMBEDDINGS_MODEL', 'nomic-embed-text');
    await runBlock(block, {}, contextOf(), inputs);
    expect(server.requests.slice(asked.length).map((request) => request.body.model)).toContain('nomic-embed-text');
  });

  test('without embedding_config, a ConfigError says so, shows one and names DGT\'s sentence_model; DGT knobs are accepted', () => {
    vi.stubEnv('RXDGT_EMBEDDINGS_URL', '');
    const context = contextOf();
    let error: unknown;
    try {
      operatorOf(block, { sentence_model: 'sentence-transformers/all-mpnet-base-v2' }, context);
    } catch (caught) {
      error = caught;
    }
    expect(ConfigError.isInstance(error) && error.field).toBe('blocks.0.embedding_config');
    expect((error as Error).message).toContain("DGT's `sentence_model: sentence-transformers/all-mpnet-base-v2` ran a local model");
    expect((error as Error).message).toContain('model_id_or_path: nomic-embed-text');
    expect((error as Error).message).toContain('set RXDGT_EMBEDDINGS_URL (its /v1 root) and RXDGT_EMBEDDINGS_MODEL (default sentence-transformers/all-mpnet-base-v2)');
    expect(() =>
      operatorOf(block, { index_type: 'hnsw', search_space_size: 500, search_batch_size: 1024, encoding_batch_size: 65536, max_rows_cpu: 50000, embedding_config: { type: 'ollama', model_id_or_path: 'm' } }, context),
    ).not.toThrow();
  });
});
