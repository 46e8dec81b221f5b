/**
 * `previewRun`, the library side of `rxdgt preview`, against the local OpenAI-compatible test server: a sample of
 * exactly `limit` inputs per task, returned as plain data with its estimate; answers from an `lm_cache` counted.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { previewRun } from '../../lib/run/preview-run.ts';
import { geography, geographyTask, lineCount, qaRows, rater, raterTask, rating } from '../cli/cli-tasks.ts';
import { generationRequests, writeBlockConfig } from '../cli/run-cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';

const startServer = useTestServers();

const fixedAnswer = (index: number): string => `Question: Where is place ${index}?\nAnswer: Here.`;

describe('previewRun', () => {
  it('samples exactly `limit` inputs of a generation, however many its call_limit keeps in flight, and estimates its target', async () => {
    // A slow server: with a call_limit of 8, all the inputs the run may start are in flight before the first settles.
    const server = await startServer({ respond: (_request, index) => fixedAnswer(index), latencyMs: 50 });
    const dir = tempDir();
    const task = geographyTask(dir, 'geo', { runner_config: { num_outputs_to_generate: 40 } });
    const config = writeBlockConfig(dir, { [geography]: { name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', temperature: 1, call_limit: 8 } });
    const out = join(dir, 'out');

    const preview = await previewRun({ taskPaths: [task], configPath: config, outputDir: out }, { limit: 3 });
    expect(generationRequests(server.requests)).toHaveLength(3);
    expect(preview.limit).toBe(3);
    expect(preview.failed).toEqual([]);
    expect(preview.outputDir).toBeUndefined();
    expect(existsSync(out)).toBe(false);
    const [geo] = preview.tasks;
    expect(geo).toMatchObject({ name: 'geo', kind: 'generation', status: 'completed', target: 40, limits: { callLimit: 8 } });
    expect(geo!.sample).toMatchObject({ inputs: 3, accepted: 3, rejected: 0, calls: 3, cachedCalls: 0, costUsd: undefined });
    expect(geo!.records.map((record) => record['answer'])).toEqual(['Here.', 'Here.', 'Here.']);
    expect(geo!.rejects).toEqual([]);
    expect(geo!.estimate).toMatchObject({ inputs: 40, records: 40, acceptanceRate: 1, calls: 40, cachedCalls: 0, bound: 'call_limit' });
    expect(geo!.estimate!.completionTokens).toBeCloseTo((geo!.sample.completionTokens * 40) / 3);
    expect(geo).not.toHaveProperty('dir');
    // Plain data: it survives JSON as it is.
    expect(JSON.parse(JSON.stringify(preview))).toEqual(preview);
  });

  it('samples exactly `limit` rows of a transformation, and keeps its folder when asked', async () => {
    const server = await startServer({ respond: () => rating(), latencyMs: 30 });
    const dir = tempDir();
    const task = raterTask(dir, 'rated', qaRows(20));
    const config = writeBlockConfig(dir, { [rater]: { name: 'rater', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', temperature: 1, call_limit: 6 } });

    const preview = await previewRun({ taskPaths: [task], configPath: config }, { limit: 4, keep: true });
    onTestFinished(() => rmSync(preview.outputDir!, { recursive: true, force: true }));
    expect(generationRequests(server.requests)).toHaveLength(4);
    const [rated] = preview.tasks;
    expect(rated).toMatchObject({ kind: 'transformation', status: 'completed', target: 20 });
    expect(rated!.sample).toMatchObject({ inputs: 4, accepted: 4, calls: 4 });
    expect(rated!.estimate).toMatchObject({ inputs: 20, records: 20, calls: 20 });
    expect(preview.outputDir).toBeDefined();
    expect(rated!.dir).toBe(join(preview.outputDir!, 'rated'));
    expect(lineCount(join(rated!.dir!, 'data.jsonl'))).toBe(4);
    expect(JSON.parse(readFileSync(join(rated!.dir!, 'task_results.jsonl'), 'utf8').trim().split('\n').at(-1)!)).toMatchObject({ status: 'completed' });
  });

  it("answers from an lm_cache count as LM calls, said to come from a cache, and spend no tokens", async () => {
    const server = await startServer({ respond: (_request, index) => fixedAnswer(index) });
    const dir = tempDir();
    const task = geographyTask(dir, 'geo', { runner_config: { num_outputs_to_generate: 10 } });
    const config = writeBlockConfig(dir, { [geography]: { name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', temperature: 0 } });
    // A run seed: the second preview draws the same seed batches, so asks the same questions.
    const settings = { taskPaths: [task], configPath: config, lmCache: join(dir, 'answers.db'), seed: 3 };

    const first = await previewRun(settings, { limit: 2 });
    expect(first.tasks[0]!.sample).toMatchObject({ inputs: 2, calls: 2, cachedCalls: 0 });
    const second = await previewRun(settings, { limit: 2 });
    expect(generationRequests(server.requests)).toHaveLength(2);
    expect(second.tasks[0]!.sample).toMatchObject({ inputs: 2, calls: 0, cachedCalls: 2, promptTokens: 0, completionTokens: 0 });
    expect(second.tasks[0]!.estimate).toMatchObject({ calls: 10, cachedCalls: 10, promptTokens: 0 });
  });

  it('a limit below 1, or not whole, is a ConfigError naming `limit`', async () => {
    for (const limit of [0, 2.5]) {
      const error = await previewRun({ taskPaths: ['nowhere'] }, { limit }).catch((caught: unknown) => caught);
      expect(ConfigError.isInstance(error)).toBe(true);
      expect((error as ConfigError).field).toBe('limit');
    }
  });

  it('an aborted preview resolves with what its samples did, their runs ended and cancelled', async () => {
    const server = await startServer({ respond: (_request, index) => fixedAnswer(index), latencyMs: 400 });
    const dir = tempDir();
    const task = geographyTask(dir, 'geo');
    const config = writeBlockConfig(dir, { [geography]: { name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', temperature: 1, call_limit: 1 } });
    const stop = new AbortController();
    const preview = previewRun({ taskPaths: [task], configPath: config }, { limit: 5, signal: stop.signal });
    // Once the first answer is on its way.
    while (generationRequests(server.requests).length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    stop.abort();
    const found = await preview;
    expect(found.tasks[0]!.status).toBe('cancelled');
    expect(found.tasks[0]!.sample.inputs).toBeLessThan(5);
    expect(found.outputDir).toBeUndefined();
  });
});
