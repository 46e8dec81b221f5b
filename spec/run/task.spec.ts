import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bufferCount, filter, firstValueFrom, lastValueFrom, mergeMap, pipe, take, tap, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { geographyQa } from '../../builders/geography-qa/index.ts';
import { qaRater } from '../../builders/qa-rater/index.ts';
import { rougeScorerBlock } from '../../lib/blocks/similarity/rouge-scorer.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { createEngine } from '../../lib/model/engine.ts';
import { fanOut, passOn, rejected } from '../../lib/outcome.ts';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import type { DataPoint } from '../../lib/record.ts';
import { type Builder, createTask } from '../../lib/run/task.ts';
import type { GenerationInput } from '../../lib/run/task-inputs.ts';
import { withConcurrency } from '../../lib/run/task-options.ts';
import type { TaskResult } from '../../lib/store/task-result.ts';
import { FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';
import type { TestServer } from '../../lib/testing/test-server.ts';
import { blockContext, operatorOf } from '../helpers/block-harness.ts';
import { readLines } from '../helpers/read-lines.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { waitFor } from '../helpers/wait-for.ts';

const startServer = useTestServers();
const seeds = [
  { question: 'What is the capital of France?', answer: 'Paris.' },
  { question: 'Which river flows through Cairo?', answer: 'The Nile.' },
];

function engineFor(server: TestServer, options: { callLimit?: number; maxRetries?: number } = {}) {
  const model = createOpenAI({ baseURL: server.baseURL, modelId: 'test-model', apiKey: 'k' });
  return createEngine(model, { callLimit: options.callLimit ?? 10, maxRetries: options.maxRetries ?? 0, retryDelayMs: 1 });
}

function geographyTask(outputDir: string, generator: ReturnType<typeof createEngine>, extra: { numOutputsToGenerate?: number; restart?: boolean; maxStalledAttempts?: number; concurrency?: number } = {}) {
  return createTask({ kind: 'generation', name: 'geo', seeds, builder: geographyQa({ generator }), outputDir, ...extra });
}

const results = (dir: string) => readLines<TaskResult>(join(dir, 'geo', 'task_results.jsonl'));

describe('generation tasks', () => {
  test('make exactly the target, each record on disk, DGT layout', async () => {
    const server = await startServer({ latencyMs: 5 });
    const dir = tempDir();
    const records = await lastValueFrom(geographyTask(dir, engineFor(server), { numOutputsToGenerate: 12 }).run().pipe(toArray()));
    expect(records).toHaveLength(12);
    expect(new Set(records.map((record) => record['question'])).size).toBe(12);
    expect(records.every((record) => record.task_name === 'geo' && record.is_seed === false)).toBe(true);
    expect(readLines(join(dir, 'geo', 'data.jsonl'))).toEqual(records);
    expect(readLines(join(dir, 'geo', 'final_data.jsonl'))).toEqual(records);
    expect(server.counters.requests).toBe(12);
    const [result] = results(dir);
    expect(result).toMatchObject({ status: 'completed', task_name: 'geo', metrics: { 'Number of data produced': 12, lm_calls: 12 } });
    expect(Date.parse(result!.end_time!)).toBeGreaterThanOrEqual(Date.parse(result!.start_time));
  });

  test('never has more requests in flight than the remaining target can use', async () => {
    const server = await startServer({ latencyMs: 50 });
    const dir = tempDir();
    await lastValueFrom(geographyTask(dir, engineFor(server, { callLimit: 64 }), { numOutputsToGenerate: 3, concurrency: 64 }).run());
    expect(server.counters.maxInFlight).toBe(3);
    expect(server.counters.requests).toBe(3);
  });

  test('a model faster than the disk never runs far ahead of the writes (memory stays flat)', async () => {
    const model = new FakeLanguageModel({ answers: (_request, index) => `Question: Unique ${index}?\nAnswer: A.` });
    const generator = createEngine(model, { callLimit: 8, cacheSize: 0 });
    const task = createTask({ kind: 'generation', name: 'geo', seeds, builder: geographyQa({ generator }), outputDir: tempDir(), numOutputsToGenerate: 3000, concurrency: 8 });
    let emitted = 0;
    let mostAhead = 0;
    await lastValueFrom(
      task.run().pipe(
        tap(() => {
          emitted += 1;
          mostAhead = Math.max(mostAhead, model.calls.length - emitted);
        }),
      ),
    );
    expect(emitted).toBe(3000);
    // At most `concurrency` inputs in the builder plus `concurrency` outcomes being written.
    expect(mostAhead).toBeLessThanOrEqual(16);
  });

  test('emits a record only once it is in data.jsonl', async () => {
    const server = await startServer({ latencyMs: 2 });
    const dir = tempDir();
    const seenOnDisk: boolean[] = [];
    await lastValueFrom(
      geographyTask(dir, engineFor(server), { numOutputsToGenerate: 8 })
        .run()
        .pipe(
          take(8),
          toArray(),
        ),
      { defaultValue: [] },
    );
    const task = geographyTask(tempDir(), engineFor(server), { numOutputsToGenerate: 6 });
    await new Promise<void>((resolve, reject) =>
      task.run().subscribe({
        next: (record) => seenOnDisk.push(readFileSync(join(task.dir, 'data.jsonl'), 'utf8').includes(JSON.stringify(record))),
        error: reject,
        complete: resolve,
      }),
    );
    expect(seenOnDisk).toEqual([true, true, true, true, true, true]);
  });

  test('resumes: only missing records are generated and dedup state is rebuilt from disk', async () => {
    // The server cycles through five questions: after the first run every answer repeats a restored record.
    const server = await startServer({ respond: (_request, index) => `Question: Where is place ${index % 5}?\nAnswer: There.` });
    const dir = tempDir();
    await lastValueFrom(geographyTask(dir, engineFor(server), { numOutputsToGenerate: 5 }).run());
    server.resetCounters();
    const resumed = await lastValueFrom(geographyTask(dir, engineFor(server), { numOutputsToGenerate: 7, maxStalledAttempts: 5 }).run().pipe(toArray()));
    // Every new answer duplicates a restored record, so the task stalls with nothing new.
    expect(resumed).toEqual([]);
    expect(readLines(join(dir, 'geo', 'data.jsonl'))).toHaveLength(5);
    expect(readLines(join(dir, 'geo', 'blocks', 'dedup.jsonl')).length).toBeGreaterThanOrEqual(5);
    expect(results(dir).at(-1)).toMatchObject({ status: 'stalled', metrics: { records_restored: 5 } });
  });

  test('a rerun of a finished task makes no LM call; a larger target makes only the missing records', async () => {
    const server = await startServer();
    const dir = tempDir();
    await lastValueFrom(geographyTask(dir, engineFor(server), { numOutputsToGenerate: 4 }).run());
    expect(await lastValueFrom(geographyTask(dir, engineFor(server), { numOutputsToGenerate: 4 }).run().pipe(toArray()))).toEqual([]);
    expect(server.counters.requests).toBe(4);
    const more = await lastValueFrom(geographyTask(dir, engineFor(server), { numOutputsToGenerate: 6 }).run().pipe(toArray()));
    expect(more).toHaveLength(2);
    expect(server.counters.requests).toBe(6);
    expect(readLines(join(dir, 'geo', 'final_data.jsonl'))).toHaveLength(6);
  });

  test('restart starts over', async () => {
    const server = await startServer();
    const dir = tempDir();
    await lastValueFrom(geographyTask(dir, engineFor(server), { numOutputsToGenerate: 4 }).run());
    const again = await lastValueFrom(geographyTask(dir, engineFor(server), { numOutputsToGenerate: 3, restart: true }).run().pipe(toArray()));
    expect(again).toHaveLength(3);
    expect(readLines(join(dir, 'geo', 'data.jsonl'))).toEqual(again);
    expect(results(dir)).toHaveLength(1);
  });

  test('a garbled answer is a rejected record with its reason; the run goes on', async () => {
    const server = await startServer({ fault: (_request, index) => (index % 3 === 0 ? { kind: 'garbled' } : undefined) });
    const dir = tempDir();
    const records = await lastValueFrom(geographyTask(dir, engineFor(server), { numOutputsToGenerate: 6 }).run().pipe(toArray()));
    expect(records).toHaveLength(6);
    const rejects = readLines<{ task_name: string; issues: { code: string; block: string; message: string }[] }>(join(dir, 'geo', 'blocks', 'generator.jsonl'));
    expect(rejects.length).toBeGreaterThanOrEqual(3);
    expect(rejects[0]).toMatchObject({ task_name: 'geo', issues: [{ code: 'parse_failed', block: 'generator' }] });
    expect(rejects[0]).not.toHaveProperty('examples');
  });

  test('an LM that fails every call stops the task once the failure rate is crossed, keeping what was made', async () => {
    const server = await startServer({ fault: (_request, index) => (index >= 3 ? { kind: 'status', status: 500 } : undefined) });
    const dir = tempDir();
    const task = createTask({ kind: 'generation', name: 'geo', seeds, builder: geographyQa({ generator: engineFor(server, { callLimit: 2 }) }), outputDir: dir, numOutputsToGenerate: 1000, failureRateAfter: 10 });
    const records = await lastValueFrom(task.run().pipe(toArray()));
    expect(records).toHaveLength(3);
    expect(readLines(join(dir, 'geo', 'data.jsonl'))).toHaveLength(3);
    expect(readLines(join(dir, 'geo', 'final_data.jsonl'))).toHaveLength(3);
    const [result] = results(dir);
    expect(result).toMatchObject({ status: 'failed', reason: 'failure_rate' });
    expect(result!.message).toMatch(/LM calls failed .*Last error: .*500/);
    expect(server.counters.requests).toBeLessThan(30);
  });

  test('unsubscribing early aborts in-flight LM calls and records the task as cancelled', async () => {
    const server = await startServer({ latencyMs: (index) => (index < 2 ? 5 : 5000) });
    const dir = tempDir();
    const task = geographyTask(dir, engineFor(server), { numOutputsToGenerate: 50 });
    const first = await firstValueFrom(task.run().pipe(take(2), toArray()));
    expect(first).toHaveLength(2);
    await waitFor(() => server.counters.clientAborts > 0 && server.counters.inFlight === 0);
    expect(server.counters.clientAborts).toBeGreaterThan(0);
    expect(results(dir).at(-1)).toMatchObject({ status: 'cancelled' });
  });

  test('a consumer that takes exactly the target leaves a completed task with its final data', async () => {
    const server = await startServer();
    const dir = tempDir();
    const records = await lastValueFrom(geographyTask(dir, engineFor(server), { numOutputsToGenerate: 4 }).run().pipe(take(4), toArray()));
    expect(records).toHaveLength(4);
    expect(readLines(join(dir, 'geo', 'final_data.jsonl'))).toEqual(records);
    expect(results(dir)).toMatchObject([{ status: 'completed', metrics: { 'Number of data produced': 4 } }]);
  });

  test('tasks sharing one engine share its call limit', async () => {
    const server = await startServer({ latencyMs: 20 });
    const dir = tempDir();
    const generator = engineFor(server, { callLimit: 4 });
    const tasks = ['a', 'b', 'c'].map((name) => createTask({ kind: 'generation', name, seeds, builder: geographyQa({ generator }), outputDir: dir, numOutputsToGenerate: 8 }));
    const { runTasks } = await import('../../lib/run/run-tasks.ts');
    const records = await lastValueFrom(runTasks(tasks).pipe(toArray()));
    expect(records).toHaveLength(24);
    expect(server.counters.maxInFlight).toBe(4);
    for (const name of ['a', 'b', 'c']) expect(readLines(join(dir, name, 'data.jsonl'))).toHaveLength(8);
  });
});

describe('edge cases', () => {
  test('a large resume replays every record without overflowing the stack', async () => {
    const dir = tempDir();
    const lines = Array.from({ length: 200_000 }, (_, index) => JSON.stringify({ task_name: 'geo', is_seed: false, question: `Old ${index}?`, answer: 'A.' }));
    mkdirSync(join(dir, 'geo'), { recursive: true });
    writeFileSync(join(dir, 'geo', 'data.jsonl'), `${lines.join('\n')}\n`);
    const generator = createEngine(new FakeLanguageModel({ answers: (_request, index) => `Question: New ${index}?\nAnswer: A.` }));
    const task = geographyTask(dir, generator, { numOutputsToGenerate: 200_002 });
    const made = await lastValueFrom(task.run().pipe(toArray()));
    expect(made.map((record) => record['question'])).toEqual(['New 0?', 'New 1?']);
    expect(results(dir)).toMatchObject([{ status: 'completed', metrics: { 'Number of data produced': 200_002, records_restored: 200_000 } }]);
  });

  test('a rerun with a smaller target than the records on disk ends at once, with consistent counts', async () => {
    const server = await startServer();
    const dir = tempDir();
    await lastValueFrom(geographyTask(dir, engineFor(server), { numOutputsToGenerate: 6 }).run());
    server.resetCounters();
    expect(await lastValueFrom(geographyTask(dir, engineFor(server), { numOutputsToGenerate: 2 }).run().pipe(toArray()))).toEqual([]);
    expect(server.counters.requests).toBe(0);
    expect(results(dir).at(-1)).toMatchObject({
      status: 'completed',
      reason: 'already_complete',
      message: '6 records already made (target 2)',
      metrics: { 'Number of data produced': 6, records_restored: 6 },
    });
    expect(readLines(join(dir, 'geo', 'final_data.jsonl'))).toHaveLength(6);
  });

  test('an output folder that is a file errors the task with one line naming it, instead of hanging', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a-file'), 'not a folder');
    const generator = createEngine(new FakeLanguageModel({ answers: 'Question: Q?\nAnswer: A.' }));
    const error = await lastValueFrom(geographyTask(join(dir, 'a-file'), generator, { numOutputsToGenerate: 2 }).run()).catch((reason: unknown) => reason);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`${join(dir, 'a-file', 'geo')}: cannot create the task's folder: a parent of it is a file, not a directory`);
  });

  test('a task takes its concurrency from the builder (its LM block\'s call limit) unless told', async () => {
    const server = await startServer({ latencyMs: 20 });
    await lastValueFrom(geographyTask(tempDir(), engineFor(server, { callLimit: 16 }), { numOutputsToGenerate: 64 }).run());
    expect(server.counters.maxInFlight).toBe(16);
  });

  test('a builder that emits an outcome twice breaks the contract: the task errors naming the input, having written only settled inputs', async () => {
    const server = await startServer();
    const generator = engineFor(server);
    const doubled: Builder<GenerationInput> = (source) => source.pipe(geographyQa({ generator, dedupThreshold: 1.1 }), mergeMap((outcome) => [outcome, outcome]));
    const task = createTask({ kind: 'generation', name: 'geo', seeds, builder: doubled, outputDir: tempDir(), numOutputsToGenerate: 7 });
    const error = await lastValueFrom(task.run().pipe(toArray())).catch((reason: unknown) => reason);
    expect((error as Error).message).toMatch(/^the builder emitted an outcome of input `\d+-[0-9a-f]{12}`, which is not in flight/);
    const written = readLines(join(task.dir, 'data.jsonl'));
    expect(new Set(written.map((record) => record['rxdgt_id'])).size).toBe(written.length);
    expect(results(task.dir.replace(/\/geo$/, '')).at(-1)).toMatchObject({ status: 'errored' });
  });
});

describe('transformation tasks', () => {
  test('make one pass over their input', async () => {
    const rater = createEngine(
      new FakeLanguageModel({ answers: (_request, index) => (index === 1 ? 'no idea' : '```json\n{"knowledge": "capitals", "difficulty": "easy"}\n```') }),
      { name: 'rater' },
    );
    const dir = tempDir();
    const data = [
      { question: 'Capital of France?', answer: 'Paris.' },
      { question: 'Capital of Peru?', answer: 'Lima.' },
      { question: 'Capital of Chad?', answer: "N'Djamena." },
    ];
    const task = createTask({ kind: 'transformation', name: 'rate', data, builder: qaRater({ rater }), outputDir: dir, concurrency: 1 });
    const records: DataPoint[] = await lastValueFrom(task.run().pipe(toArray()));
    expect(records.map((record) => record['ratings'])).toEqual([
      { knowledge: 'capitals', difficulty: 'easy' },
      { knowledge: 'capitals', difficulty: 'easy' },
    ]);
    expect(readLines(join(dir, 'rate', 'final_data.jsonl'))).toHaveLength(2);
    const rejects = readLines(join(dir, 'rate', 'blocks', 'rater.jsonl'));
    expect(rejects).toMatchObject([{ question: 'Capital of Peru?', issues: [{ code: 'parse_failed' }] }]);
    expect(readLines(join(dir, 'rate', 'task_results.jsonl'))).toMatchObject([{ status: 'completed' }]);
    // Every row settled: the last commit says so, for a resume.
    expect(readLines(join(dir, 'rate', 'dataloader_state.jsonl')).at(-1)).toMatchObject({ rxdgt: { next: 3, unsettled: [], records: 2, rejected: 1 } });
  });
});

describe('input identity, fan-out and seeds', () => {
  /**
   * A model whose answer is a function of the prompt (as at temperature 0), answering after a random wait, so completion
   * order changes from run to run. With `questions`, only that many questions are asked (prompts share them), each
   * answered differently per prompt: duplicates whose records differ.
   */
  function jitteryModel(questions?: number) {
    const model = new FakeLanguageModel({
      answers: (request) => {
        const prompt = request.method === 'chat' ? request.messages.map((message) => message.content).join('\n') : request.prompt;
        let hash = 0;
        for (const char of prompt) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
        const label = (hash >>> 0).toString(16);
        if (questions === undefined) return `Question: Made question ${label}?\nAnswer: Made answer.`;
        return `Question: Made question ${(hash >>> 0) % questions}?\nAnswer: Made answer ${label}.`;
      },
    });
    const slow = Object.assign(Object.create(model) as FakeLanguageModel, {
      doGenerate: async (...args: Parameters<FakeLanguageModel['doGenerate']>) => {
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 6)));
        return model.doGenerate(...args);
      },
    });
    return { model, slow };
  }
  const promptsOf = (model: FakeLanguageModel) => model.calls.map((request) => (request.method === 'chat' ? request.messages.map((message) => message.content).join('\n') : request.prompt)).sort();
  const manySeeds = Array.from({ length: 30 }, (_, index) => ({ question: `Seed question ${index}?`, answer: `Seed answer ${index}.` }));

  test('a seeded run repeats every prompt and record, whatever the timing; another seed draws others', async () => {
    const run = async (seed: number) => {
      const { model, slow } = jitteryModel();
      const dir = tempDir();
      const generator = createEngine(slow, { callLimit: 8, cacheSize: 0 });
      const task = createTask({ kind: 'generation', name: 'geo', seeds: manySeeds, seedBatchSize: 5, builder: geographyQa({ generator }), numOutputsToGenerate: 120, outputDir: dir, seed });
      const records = await lastValueFrom(task.run().pipe(toArray()));
      const byId = (left: DataPoint, right: DataPoint) => String(left['rxdgt_id']).localeCompare(String(right['rxdgt_id']));
      return { prompts: promptsOf(model), records: [...records].sort(byId) };
    };
    const first = await run(7);
    const second = await run(7);
    expect(second.prompts).toEqual(first.prompts);
    expect(second.records).toEqual(first.records);
    // The machine-made examples were mixed in: some prompt shows a record the task made.
    expect(first.prompts.some((prompt) => prompt.includes('Made question'))).toBe(true);
    expect((await run(8)).prompts).not.toEqual(first.prompts);
  });

  test('a seeded run asks the same prompts whichever of two records with one question the dedupe keeps', async () => {
    // Which of two such records is kept (and which rejected as the other's duplicate) follows the timing; the example
    // pool takes both as they were made, so its draws, and every prompt, are the same either way.
    const run = async () => {
      const { model, slow } = jitteryModel(150);
      const dir = tempDir();
      const generator = createEngine(slow, { callLimit: 8, cacheSize: 0 });
      // As the CLI runs DGT's geography builder: its `dedup` block, a `rouge_scorer` that marks what it rejects.
      const dedup = operatorOf(rougeScorerBlock, { name: 'dedup', filter: true, threshold: 1, input_map: { question: 'input' } }, blockContext('rouge'));
      const builder = withConcurrency(pipe(geographyQa({ generator, dedupThreshold: 1.1 }), dedup), generator.callLimit);
      const task = createTask({ kind: 'generation', name: 'geo', seeds: manySeeds, seedBatchSize: 5, builder, numOutputsToGenerate: 100, outputDir: dir, seed: 5 });
      await lastValueFrom(task.run().pipe(toArray()));
      const rejections = readLines(join(dir, 'geo', 'blocks', 'dedup.jsonl'));
      return { prompts: promptsOf(model), duplicates: rejections.length, marked: rejections.every((line) => line['is_valid'] === false) };
    };
    const runs = [await run(), await run(), await run()];
    expect(runs[0]!.duplicates).toBeGreaterThan(10);
    expect(runs[0]!.marked).toBe(true);
    for (const other of runs.slice(1)) expect(other.prompts).toEqual(runs[0]!.prompts);
  });

  test('ids are `<sequence>-<hash>`, the same for the same input on every run, and on every record and rejection', async () => {
    const answers = (index: number) => (index % 4 === 3 ? 'garbled' : `Question: Unique question ${index}?\nAnswer: A.`);
    const idsOf = async () => {
      const dir = tempDir();
      const generator = createEngine(new FakeLanguageModel({ answers: (_request, index) => answers(index) }), { callLimit: 1, cacheSize: 0 });
      const task = createTask({ kind: 'generation', name: 'geo', seeds, builder: geographyQa({ generator }), numOutputsToGenerate: 6, outputDir: dir, concurrency: 1, seed: 3 });
      const records = await lastValueFrom(task.run().pipe(toArray()));
      const rejects = readLines(join(dir, 'geo', 'blocks', 'generator.jsonl'));
      return { records: records.map((record) => record['rxdgt_id']), rejects: rejects.map((line) => line['rxdgt_id']) };
    };
    const first = await idsOf();
    expect(first.records.every((id) => /^\d+-[0-9a-f]{12}$/.test(String(id)))).toBe(true);
    expect(first.rejects).toHaveLength(1);
    expect(first.rejects.every((id) => /^\d+-[0-9a-f]{12}$/.test(String(id)))).toBe(true);
    expect(await idsOf()).toEqual(first);
  });

  test('a fan-out builder settles an input once all its records are in, and writes exactly the target', async () => {
    const generator = createEngine(new FakeLanguageModel({ answers: (_request, index) => `Question: Q${index}?\nAnswer: A${index}.` }), { callLimit: 4, cacheSize: 0 });
    // Each input makes three records, one of them rejected by a later block.
    const threeEach: Builder<GenerationInput> = (source) =>
      source.pipe(
        geographyQa({ generator, dedupThreshold: 1.1 }),
        mergeMap((outcome) => (outcome.status === 'accepted' ? fanOut(outcome, [0, 1, 2].map((part) => ({ ...outcome.record, part })), 'split') : [outcome])),
        mergeMap((outcome) => (outcome.status === 'accepted' && outcome.record['part'] === 1 ? [rejected(outcome, [{ code: 'filtered', message: 'part 1', block: 'parts' }])] : [outcome])),
      );
    const dir = tempDir();
    const task = createTask({ kind: 'generation', name: 'geo', seeds, builder: threeEach, outputDir: dir, numOutputsToGenerate: 7, concurrency: 4 });
    const records = await lastValueFrom(task.run().pipe(toArray()));
    expect(records).toHaveLength(7);
    expect(readLines(join(dir, 'geo', 'data.jsonl'))).toEqual(records);
    // Two records per input: the parts of one input share its id and come out together.
    const byInput = new Map<unknown, unknown[]>();
    for (const record of records) byInput.set(record['rxdgt_id'], [...(byInput.get(record['rxdgt_id']) ?? []), record['part']]);
    expect([...byInput.values()].slice(0, 3)).toEqual([[0, 2], [0, 2], [0, 2]]);
    expect(readLines(join(dir, 'geo', 'blocks', 'parts.jsonl')).length).toBeGreaterThanOrEqual(4);
    expect(results(dir).at(-1)).toMatchObject({ status: 'completed', metrics: { 'Number of data produced': 7 } });
  });
});

describe('a run and its folder', () => {
  const rows = Array.from({ length: 10 }, (_, n) => ({ n }));
  const rowsTask = (dir: string, builder: Builder<DataPoint>) => createTask({ kind: 'transformation', name: 'rows', data: rows, builder, outputDir: dir, concurrency: 4 });

  test('a builder that batches its inputs finishes: the last, partial batch is flushed when the input ends', async () => {
    const dir = tempDir();
    const batched: Builder<DataPoint> = (source) =>
      source.pipe(
        bufferCount(4),
        mergeMap((batch) => batch.map((outcome) => (outcome.status === 'accepted' ? passOn(outcome, { ...outcome.record, batch: batch.length }) : outcome))),
      );
    const records = await lastValueFrom(rowsTask(dir, batched).run().pipe(toArray()));
    expect(records.map((record) => record['n']).sort((left, right) => Number(left) - Number(right))).toEqual(rows.map((row) => row.n));
    expect(records.filter((record) => record['batch'] === 2)).toHaveLength(2);
  });

  test('a builder that drops an input (RxJS filter) ends the task with an error naming the cause, not a hang', async () => {
    // (While dropped inputs hold every slot the task cannot tell them from slow ones: here all fit in the slots.)
    const dropsOdd: Builder<DataPoint> = (source) => source.pipe(filter((outcome) => Number(outcome.record && (outcome.record as DataPoint)['n']) % 2 === 0));
    const task = createTask({ kind: 'transformation', name: 'rows', data: rows, builder: dropsOdd, outputDir: tempDir(), concurrency: 16 });
    const error = await lastValueFrom(task.run()).catch((reason: unknown) => reason);
    expect((error as Error).message).toMatch(/^the builder completed with \d+ inputs it gave no outcome for: a block dropped them instead of rejecting them/);
  });

  test('a run unsubscribed while it opens lets go of the folder: the next run takes it', async () => {
    const dir = tempDir();
    const passThrough: Builder<DataPoint> = (source) => source;
    rowsTask(dir, passThrough).run().subscribe().unsubscribe();
    const records = await lastValueFrom(rowsTask(dir, passThrough).run().pipe(toArray()));
    expect(records).toHaveLength(10);
  });

  test('a run right after one its consumer ended early (take) waits for that one to let go, and resumes it', async () => {
    const dir = tempDir();
    const passThrough: Builder<DataPoint> = (source) => source;
    expect(await lastValueFrom(rowsTask(dir, passThrough).run().pipe(take(3), toArray()))).toHaveLength(3);
    const rest = await lastValueFrom(rowsTask(dir, passThrough).run().pipe(toArray()));
    const all = readLines(join(dir, 'rows', 'data.jsonl'));
    expect(all).toHaveLength(10);
    expect(new Set(all.map((record) => record['n'])).size).toBe(10);
    expect(rest.length).toBeLessThanOrEqual(7);
  });

  test('a resume refuses a transformation whose input changed: rows are skipped by their place', async () => {
    const dir = tempDir();
    const passThrough: Builder<DataPoint> = (source) => source;
    await lastValueFrom(rowsTask(dir, passThrough).run().pipe(take(3)));
    const changed = createTask({ kind: 'transformation', name: 'rows', data: [{ n: -1 }, ...rows], builder: passThrough, outputDir: dir, concurrency: 4 });
    const error = await lastValueFrom(changed.run()).catch((reason: unknown) => reason);
    expect((error as Error).message).toBe(`${join(dir, 'rows')}: the input of task \`rows\` changed since its last run (its records were made from other rows, and a resume skips rows by their place): start over with --restart`);
  });
});
