import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { stringify } from 'yaml';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { findBuilder } from '../../../lib/builder-registry.ts';
import { clearAdmissions } from '../../../lib/model/admission-registry.ts';
import { prepareRun } from '../../../lib/run/prepare-run.ts';
import { runTasks } from '../../../lib/run/run-tasks.ts';
import type { TestServer } from '../../../lib/testing/test-server.ts';
import { generationRequests, promptOf, repoRoot, runCli } from '../../cli/run-cli.ts';
import { readLines } from '../../helpers/read-lines.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { useTestServers } from '../../helpers/test-servers.ts';
import { answer, taggerBlock, taskOf } from './answers.ts';

const start = useTestServers();

afterEach(() => {
  vi.unstubAllEnvs();
  clearAdmissions();
});

/** The sample task's folder copied to a temp dir, with a joint config pointing the tagger at `server`. */
function setUp(server: TestServer, dedup: Record<string, unknown> = {}): { config: string; out: string } {
  const dir = tempDir();
  const config = join(dir, 'config.yaml');
  const tagger = taggerBlock(server.baseURL);
  const blocks = Object.keys(dedup).length > 0 ? [tagger, { name: 'dedup', ...dedup }] : [tagger];
  writeFileSync(config, stringify({ databuilders: { magpie: { blocks } } }));
  return { config, out: join(dir, 'out') };
}

const m = (value: unknown) => [{ 'test-model': value }];

/** Every rejected line the task wrote under `blocks/`. */
function rejectedLines(folder: string): Record<string, any>[] {
  const blocks = join(folder, 'blocks');
  if (!existsSync(blocks)) return [];
  return readdirSync(blocks, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.jsonl'))
    .flatMap((file) => readFileSync(join(blocks, file), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>));
}

describe('magpie', () => {
  test("is registered under DGT's name as a transformation builder", () => {
    expect(findBuilder('magpie', undefined)).toMatchObject({ name: 'magpie', kind: 'transformation' });
  });

  test('tags, dedupes and filters the sample (single and multi-turn), embedding through RXDGT_EMBEDDINGS_URL', async () => {
    const server = await start({ respond: answer });
    vi.stubEnv('RXDGT_EMBEDDINGS_URL', server.baseURL);
    vi.stubEnv('RXDGT_EMBEDDINGS_MODEL', '');
    const { config, out } = setUp(server);
    const run = await prepareRun({ taskPaths: [join(repoRoot, 'samples', 'magpie')], configPath: config, outputDir: out, env: {}, cwd: repoRoot });
    let records;
    try {
      expect(run.failed).toEqual([]);
      records = await lastValueFrom(runTasks(run.tasks).pipe(toArray()));
    } finally {
      await run.close();
    }
    const folder = join(out, 'samples', 'magpie');
    const final = readLines(join(folder, 'final_data.jsonl')) as Record<string, any>[];
    expect(records).toHaveLength(3);
    const requestOf = (record: Record<string, any>): string => record['question'] ?? record['messages'].find((message: { role: string }) => message.role === 'user').content;
    // Records come out in the order the tagger finished them.
    expect(final.map(requestOf).sort()).toEqual(['How do I make a roux?', 'What is the capital of Australia?', 'Which river flows through Vienna?']);
    const [roux, capital, vienna] = [...final].sort((left, right) => requestOf(left).localeCompare(requestOf(right)));
    // The record as it came in, is_seed false, with DGT's tags; the id the dedup block made is not kept.
    expect(capital).toMatchObject({ question: 'What is the capital of Australia?', answer: 'Canberra is the capital of Australia.', task_name: 'samples/magpie', is_seed: false });
    expect(capital).not.toHaveProperty('id');
    expect(capital!['magpie_tags']).toEqual({
      input_quality: m('excellent'),
      input_quality_explanation: m('Clear.'),
      judge_quality_score: m('5'),
      judge_quality_explanation: m('Right.'),
      intent: m('learn'),
      knowledge: m('general'),
      difficulty: m('easy'),
      metadata: { label_model: ['test-model'] },
      repeat_count: 1,
      min_neighbor_distance: expect.closeTo(0, 5),
      min_similar_uuid: expect.any(String),
    });
    expect(vienna!['magpie_tags']).toMatchObject({ input_quality: m('excellent'), repeat_count: 0, min_similar_uuid: null, min_neighbor_distance: expect.any(Number) });
    expect(roux).toMatchObject({ messages: expect.any(Array), magpie_tags: { judge_quality_score: m('5'), difficulty: m('easy'), repeat_count: 0 } });

    // The prompts: the request (and answer) of a pair, the whole of a long conversation, its first request for difficulty.
    const prompts = generationRequests(server.requests).map((request) => ({ task: taskOf(request), prompt: promptOf(request) }));
    // Three tasks for each of the seven records, but no difficulty call for the desert conversation (two user turns, one answer).
    expect(prompts).toHaveLength(3 * 7 - 1);
    const rouxPrompts = prompts.filter(({ prompt }) => prompt.includes('How do I make a roux?'));
    expect(rouxPrompts.map(({ task }) => task).sort()).toEqual(['difficulty', 'quality', 'sample_quality']);
    expect(rouxPrompts.find(({ task }) => task === 'sample_quality')!.prompt).toContain('### User Question: 2\nHow long for a dark roux?\n');
    expect(rouxPrompts.find(({ task }) => task === 'difficulty')!.prompt).not.toContain('dark roux');
    expect(prompts.find(({ task, prompt }) => task === 'sample_quality' && prompt.includes('Vienna'))!.prompt).toMatch(/Which river flows through Vienna\?[\s\S]*The Danube flows through Vienna\./);
    const embeddings = server.requests.filter((request) => request.path === '/v1/embeddings');
    expect(new Set(embeddings.map((request) => request.body.model))).toEqual(new Set(['sentence-transformers/all-mpnet-base-v2']));
    expect(embeddings.flatMap((request) => request.body.input)).toContain('How do I make a roux?\n\nHow long for a dark roux?');

    // Each dropped record, with the filter's reason.
    const rejected = rejectedLines(folder);
    const reasons = Object.fromEntries(rejected.map((line) => [JSON.stringify(line).match(/"(what is the capital of australia|How long should I boil|tell me stuff|Name a desert)/)?.[1], line]));
    expect(Object.keys(reasons).sort()).toEqual(['How long should I boil', 'Name a desert', 'tell me stuff', 'what is the capital of australia']);
    expect(JSON.stringify(reasons['what is the capital of australia'])).toContain('duplicate');
    expect(JSON.stringify(reasons['How long should I boil'])).toContain('invalid_score');
    expect(JSON.stringify(reasons['tell me stuff'])).toContain('low_quality');
    expect(JSON.stringify(reasons['Name a desert'])).toContain('invalid_sample');
    expect(JSON.stringify(reasons['How long should I boil'])).toContain('sample_quality_err');
  });

  test("the dedup block's embedding_config, from a joint config, wins over the environment", async () => {
    const server = await start({ respond: answer });
    vi.stubEnv('RXDGT_EMBEDDINGS_URL', 'http://127.0.0.1:9/v1');
    const { config, out } = setUp(server, { embedding_config: { type: 'openai', base_url: server.baseURL, model_id_or_path: 'embedder', api_key: 'k' } });
    const run = await prepareRun({ taskPaths: [join(repoRoot, 'samples', 'magpie')], configPath: config, outputDir: out, env: {}, cwd: repoRoot });
    try {
      expect(await lastValueFrom(runTasks(run.tasks).pipe(toArray()))).toHaveLength(3);
    } finally {
      await run.close();
    }
    expect(new Set(server.requests.filter((request) => request.path === '/v1/embeddings').map((request) => request.body.model))).toEqual(new Set(['embedder']));
  });

  test('without RXDGT_EMBEDDINGS_URL or an embedding_config, the CLI exits 2 saying what to set', async () => {
    const server = await start({ respond: answer });
    const { config, out } = setUp(server);
    const result = await runCli(['--task-paths', join(repoRoot, 'samples', 'magpie'), '--config-path', config, '--output-dir', out], { RXDGT_EMBEDDINGS_URL: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('magpie.yaml');
    expect(result.stderr).toContain('embedding_config');
    expect(result.stderr).toContain('RXDGT_EMBEDDINGS_URL');
    expect(generationRequests(server.requests)).toEqual([]);
  });
});
