import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Observable, delay, from, lastValueFrom, map, mergeMap, of, take, throwError, toArray } from 'rxjs';
import { describe, expect, test, vi } from 'vitest';
import { geographyQa } from '../../builders/geography-qa/index.ts';
import { createEngine } from '../../lib/model/engine.ts';
import { passOn, rejected } from '../../lib/outcome.ts';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import type { DataPoint, Fields, Outcome } from '../../lib/record.ts';
import type { GenerationInput } from '../../lib/run/task-inputs.ts';
import { withPostprocess } from '../../lib/run/task-options.ts';
import { hasAcceptanceRateBelow, hasMeanScoreBelow } from '../../lib/run/stop-criteria.ts';
import { type Builder, createTask } from '../../lib/run/task.ts';
import type { RecordSource } from '../../lib/store/sources/record-source.ts';
import type { TaskResult } from '../../lib/store/task-result.ts';
import { FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';
import { dedupe } from '../../operators/dedupe.ts';
import { readLines } from '../helpers/read-lines.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';

const startServer = useTestServers();
const seeds = [
  { question: 'What is the capital of France?', answer: 'Paris.' },
  { question: 'Which river flows through Cairo?', answer: 'The Nile.' },
];
const typoMessage = 'dedupe_key_invalid: cannot read the text to compare: field `questoin` is undefined, expected a string';

const resultsOf = (dir: string, name: string) => readLines<TaskResult>(join(dir, name, 'task_results.jsonl'));
const rowsOf = (count: number, fields: (index: number) => Fields = (index) => ({ question: `Question ${index}?` })) => Array.from({ length: count }, (_, index) => fields(index));

/** A source read lazily, whose length the task cannot know ahead. */
function streamed(rows: readonly Fields[]): RecordSource {
  return {
    files: [],
    async *rows(start = 0) {
      for (let index = start; index < rows.length; index += 1) yield { record: rows[index] as Fields, position: { iter_index: 0, row_index: index } };
    },
  };
}

describe('a task whose pipeline rejects every record for one configuration mistake', () => {
  test('a dedupe key with a typo fails the task after its first 10 inputs, sparing the LM calls, and keeps the rejections', async () => {
    const server = await startServer({ latencyMs: 2 });
    const generator = createEngine(createOpenAI({ baseURL: server.baseURL, modelId: 'test-model', apiKey: 'k' }), { callLimit: 4, maxRetries: 0 });
    const dir = tempDir();
    const task = createTask({ kind: 'generation', name: 'geo', seeds, builder: geographyQa({ generator, dedupKey: 'questoin' }), outputDir: dir, numOutputsToGenerate: 100 });
    const records = await lastValueFrom(task.run().pipe(toArray()));
    expect(records).toEqual([]);
    expect(resultsOf(dir, 'geo')).toMatchObject([
      { status: 'failed', reason: 'misconfigured', message: `every one of the first 10 records was rejected by block \`dedup\`: ${typoMessage}` },
    ]);
    const rejections = readLines<{ issues: { code: string; block: string }[] }>(join(dir, 'geo', 'blocks', 'dedup.jsonl'));
    expect(rejections.length).toBeGreaterThanOrEqual(10);
    expect(rejections.every(({ issues }) => issues[0]?.code === 'dedupe_key_invalid' && issues[0].block === 'dedup')).toBe(true);
    expect(readLines(join(dir, 'geo', 'data.jsonl'))).toEqual([]);
    // 10 inputs settled, and at most the call limit more in flight when the task stopped.
    expect(server.counters.requests).toBeLessThanOrEqual(14);
  });

  test('a transformation of fewer rows than 10 fails once every row is so rejected', async () => {
    const dir = tempDir();
    const task = createTask({ kind: 'transformation', name: 'rows', data: rowsOf(3), builder: dedupe({ key: 'questoin' }) as Builder<DataPoint>, outputDir: dir });
    expect(await lastValueFrom(task.run().pipe(toArray()))).toEqual([]);
    expect(resultsOf(dir, 'rows')).toMatchObject([{ status: 'failed', reason: 'misconfigured', message: `every one of the first 3 records was rejected by block \`dedup\`: ${typoMessage}` }]);
    expect(readLines(join(dir, 'rows', 'blocks', 'dedup.jsonl'))).toHaveLength(3);
  });

  test('a streamed input that ends before 10 rows, every one so rejected, fails too', async () => {
    const dir = tempDir();
    const task = createTask({ kind: 'transformation', name: 'rows', data: streamed(rowsOf(2)), builder: dedupe({ key: 'questoin' }) as Builder<DataPoint>, outputDir: dir });
    await lastValueFrom(task.run().pipe(toArray()));
    expect(resultsOf(dir, 'rows')).toMatchObject([{ status: 'failed', reason: 'misconfigured', message: `every one of the first 2 records was rejected by block \`dedup\`: ${typoMessage}` }]);
  });

  test('one record that has the field is enough to show the configuration works: the task goes on', async () => {
    const dir = tempDir();
    const rows = rowsOf(30, (index) => (index === 12 ? { question: 'Here?' } : { title: `Row ${index}` }));
    const task = createTask({ kind: 'transformation', name: 'rows', data: streamed(rows), builder: dedupe({ key: 'question' }) as Builder<DataPoint>, outputDir: dir, concurrency: 1 });
    expect(await lastValueFrom(task.run().pipe(toArray()))).toEqual([]);
    // Rows 0-9 were all rejected: the check fires at 10, before row 12 is seen.
    expect(resultsOf(dir, 'rows')).toMatchObject([{ status: 'failed', reason: 'misconfigured' }]);

    const early = createTask({ kind: 'transformation', name: 'early', data: streamed([{ question: 'First?' }, ...rows]), builder: dedupe({ key: 'question' }) as Builder<DataPoint>, outputDir: dir, concurrency: 1 });
    expect(await lastValueFrom(early.run().pipe(toArray()))).toHaveLength(2);
    expect(resultsOf(dir, 'early')).toMatchObject([{ status: 'completed', reason: 'input_done' }]);
  });

  test('rejections by different blocks or codes are not one mistake: the task goes on', async () => {
    const dir = tempDir();
    // Every row is rejected: even rows by the dedupe's key, odd ones by another block.
    const twoMistakes: Builder<DataPoint> = (source) =>
      source.pipe(
        dedupe({ key: 'questoin', name: 'first' }) as Builder<DataPoint>,
        map((outcome) =>
          outcome.status === 'rejected' && Number((outcome.record as Fields)['n']) % 2 === 1
            ? rejected(outcome, [{ code: 'input_missing', message: 'input `text` not found', block: 'second' }])
            : outcome,
        ),
      );
    const task = createTask({ kind: 'transformation', name: 'rows', data: rowsOf(14, (n) => ({ n })), builder: twoMistakes, outputDir: dir, concurrency: 1 });
    await lastValueFrom(task.run().pipe(toArray()));
    expect(resultsOf(dir, 'rows')).toMatchObject([{ status: 'completed', reason: 'input_done' }]);
  });

  test('inputs lost to a failed LM call neither make nor break the streak', async () => {
    const server = await startServer({ fault: (_request, index) => (index % 3 === 1 ? { kind: 'status', status: 500 } : undefined) });
    const generator = createEngine(createOpenAI({ baseURL: server.baseURL, modelId: 'test-model', apiKey: 'k' }), { callLimit: 1, maxRetries: 0, retryDelayMs: 1, cacheSize: 0 });
    const dir = tempDir();
    const task = createTask({ kind: 'generation', name: 'geo', seeds, builder: geographyQa({ generator, dedupKey: 'questoin' }), outputDir: dir, numOutputsToGenerate: 100, concurrency: 1 });
    await lastValueFrom(task.run().pipe(toArray()));
    expect(resultsOf(dir, 'geo')).toMatchObject([{ status: 'failed', reason: 'misconfigured', message: `every one of the first 10 records was rejected by block \`dedup\`: ${typoMessage}` }]);
    expect(readLines(join(dir, 'geo', 'blocks', 'dedup.jsonl'))).toHaveLength(10);
    // Requests 1, 4, 7, 10 and 13 failed, between the 15 inputs: the 10 rejected by the dedupe still came first.
    expect(readLines(join(dir, 'geo', 'blocks', 'generator.jsonl'))).toMatchObject(Array.from({ length: 5 }, () => ({ issues: [{ code: 'lm_call_failed' }] })));
  });
});

describe('quality thresholds of a task', () => {
  test('an acceptance rate below its bound stops the task as low_quality, keeping the records made', async () => {
    // One answer in five is a pair; the rest cannot be parsed.
    const model = new FakeLanguageModel({ answers: (_request, index) => (index % 5 === 0 ? `Question: Unique ${index}?\nAnswer: A.` : 'garbled') });
    const generator = createEngine(model, { callLimit: 1, cacheSize: 0 });
    const dir = tempDir();
    const task = createTask({
      kind: 'generation',
      name: 'geo',
      seeds,
      builder: geographyQa({ generator }),
      outputDir: dir,
      numOutputsToGenerate: 100,
      concurrency: 1,
      stopWhen: [hasAcceptanceRateBelow(0.5, { window: 20, after: 10 })],
    });
    const records = await lastValueFrom(task.run().pipe(toArray()));
    expect(records).toHaveLength(2);
    expect(resultsOf(dir, 'geo')).toMatchObject([
      { status: 'low_quality', reason: 'acceptance_rate', message: 'acceptance rate 0.20 over the last 10 inputs is below 0.5 (2 made a record)', metrics: { 'Number of data produced': 2 } },
    ]);
    expect(readLines(join(dir, 'geo', 'final_data.jsonl'))).toEqual(records);
    expect(model.calls).toHaveLength(10);
  });

  test('a judge score whose mean over the window falls below its bound stops the task', async () => {
    const scores = [5, 5, 4, 5, 4, 2, 1, 2, 1, 1, 2, 1, 5, 5];
    const withScore: Builder<DataPoint> = (source) =>
      source.pipe(map((outcome) => (outcome.status === 'accepted' ? passOn(outcome, { ...outcome.record, judge: { score: scores[Number(outcome.record['n'])] } }) : outcome)));
    const dir = tempDir();
    const task = createTask({
      kind: 'transformation',
      name: 'judged',
      data: rowsOf(scores.length, (n) => ({ n })),
      builder: withScore,
      outputDir: dir,
      concurrency: 1,
      stopWhen: [hasMeanScoreBelow('judge.score', 3, { window: 5, after: 5 })],
    });
    const records = await lastValueFrom(task.run().pipe(toArray()));
    // Means of the last five: 4.6, 4.0, 3.2, then 2.8 after the 8th record.
    expect(records).toHaveLength(8);
    expect(resultsOf(dir, 'judged')).toMatchObject([{ status: 'low_quality', reason: 'mean_score', message: 'mean `judge.score` 2.8 over the last 5 records is below 3' }]);
    expect(existsSync(join(dir, 'judged', 'final_data.jsonl'))).toBe(true);
  });
});

describe("a builder's postprocessors (DGT's: run over every record when the task ends)", () => {
  /** Keeps rows whose number is even, in whatever order; rejects the others saying so. */
  const evenOnly = (seen: number[]) => (source: Observable<Outcome<DataPoint>>) =>
    source.pipe(
      toArray(),
      mergeMap((outcomes) => {
        seen.push(outcomes.length);
        return from(outcomes.map((outcome) => (Number((outcome.record as DataPoint)['n']) % 2 === 0 ? outcome : rejected(outcome, [{ code: 'odd', message: 'an odd number', block: 'evens' }]))));
      }),
    );

  test('see every record at once; what they reject stays in data.jsonl, leaves final_data and is listed with why', async () => {
    const dir = tempDir();
    const seen: number[] = [];
    const builder: Builder<DataPoint> = withPostprocess(map((outcome) => passOn(outcome, { ...(outcome.record as DataPoint) })), evenOnly(seen));
    const task = createTask({ kind: 'transformation', name: 'post', data: rowsOf(6, (n) => ({ n })), builder, outputDir: dir });
    await lastValueFrom(task.run().pipe(toArray()));
    expect(seen).toEqual([6]);
    expect(readLines<DataPoint>(join(dir, 'post', 'data.jsonl')).map((record) => record['n'])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(readLines<DataPoint>(join(dir, 'post', 'final_data.jsonl')).map((record) => record['n'])).toEqual([0, 2, 4]);
    expect(readLines(join(dir, 'post', 'postprocess_rejections.jsonl'))).toEqual([1, 3, 5].map((n) => expect.objectContaining({ n, issues: [{ code: 'odd', message: 'an odd number', block: 'evens' }] })));
    expect(resultsOf(dir, 'post')).toMatchObject([{ status: 'completed', metrics: { 'Number of data produced': 6, records_removed_by_postprocessors: 3 } }]);
  });

  test('a later run postprocesses the records again, and rewrites the rejections list whole', async () => {
    const dir = tempDir();
    const rows = rowsOf(4, (n) => ({ n }));
    const runWith = async (seen: number[]) => {
      const builder = withPostprocess(map((outcome: Outcome<DataPoint>) => (outcome.status === 'accepted' ? passOn(outcome, { ...outcome.record }) : outcome)) as Builder<DataPoint>, evenOnly(seen));
      await lastValueFrom(createTask({ kind: 'transformation', name: 'post', data: rows, builder, outputDir: dir }).run().pipe(toArray()));
    };
    await runWith([]);
    const seen: number[] = [];
    await runWith(seen);
    // Nothing new to transform: the second run's end still sees the four records of the first.
    expect(seen).toEqual([4]);
    expect(readLines<DataPoint>(join(dir, 'post', 'final_data.jsonl')).map((record) => record['n'])).toEqual([0, 2]);
    expect(readLines(join(dir, 'post', 'postprocess_rejections.jsonl'))).toHaveLength(2);
  });

  test('a postprocessor that fails (an error, or a call that failed on a record) fails the task: the result says so, data.jsonl is whole', async () => {
    for (const [name, postprocess] of [
      ['boom', () => throwError(() => new Error('boom'))],
      ['call', (source: Observable<Outcome<DataPoint>>) => source.pipe(map((outcome) => rejected(outcome, [{ code: 'lm_call_failed', message: 'the judge did not answer', block: 'judge' }])))],
    ] as const) {
      const dir = tempDir();
      const builder = withPostprocess(map((outcome: Outcome<DataPoint>) => (outcome.status === 'accepted' ? passOn(outcome, { ...outcome.record }) : outcome)) as Builder<DataPoint>, postprocess);
      const task = createTask({ kind: 'transformation', name, data: rowsOf(3, (n) => ({ n })), builder, outputDir: dir });
      await expect(lastValueFrom(task.run().pipe(toArray()))).rejects.toThrow(name === 'boom' ? 'boom' : /postprocessor `judge` could not judge record .*: the judge did not answer/);
      expect(resultsOf(dir, name)).toMatchObject([{ status: 'errored' }]);
      expect(readLines(join(dir, name, 'data.jsonl'))).toHaveLength(3);
      expect(existsSync(join(dir, name, 'final_data.jsonl'))).toBe(false);
    }
  });

  test('a consumer taking exactly the target still gets final_data from the postprocessors; a cancelled run leaves it as it was', async () => {
    const dir = tempDir();
    const made = (outcome: Outcome<never>) => (outcome.status === 'accepted' ? passOn(outcome as Outcome<DataPoint>, { question: `Q ${outcome.id}?` }) : outcome);
    // The slow builder answers each input after 20 ms, so taking 2 of 100 cancels the run.
    const generation = (name: string, target: number, slow = false) =>
      createTask({
        kind: 'generation',
        name,
        seeds: [{ question: 'Seed?' }],
        numOutputsToGenerate: target,
        builder: withPostprocess((slow ? mergeMap((outcome: Outcome<never>) => of(made(outcome)).pipe(delay(20))) : map(made)) as unknown as Builder<GenerationInput>, evenOnly([])),
        outputDir: dir,
      });
    await lastValueFrom(generation('taken', 3).run().pipe(take(3), toArray()));
    await vi.waitFor(() => expect(existsSync(join(dir, 'taken', 'final_data.jsonl'))).toBe(true));
    expect(resultsOf(dir, 'taken')).toMatchObject([{ status: 'completed' }]);
    await lastValueFrom(generation('cut', 100, true).run().pipe(take(2), toArray()));
    await vi.waitFor(() => expect(resultsOf(dir, 'cut')).toMatchObject([{ status: 'cancelled' }]));
    expect(existsSync(join(dir, 'cut', 'final_data.jsonl'))).toBe(false);
  });
});
