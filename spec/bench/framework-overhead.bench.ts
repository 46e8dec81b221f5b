/**
 * Framework overhead: the geography QA pipeline against a fake model that answers at once, so every
 * microsecond per record is rxdgt's own (input batches, prompt template, engine, parse, dedupe, the
 * durable JSONL append, progress and stop criteria).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { count, lastValueFrom } from 'rxjs';
import { FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';
import { collectGarbage, cpuMsSince, geographyBenchTask, type MemoryPeaks, mib, num, range, sampleMemory, scratchDir } from './common.ts';

const records = Number(process.env['BENCH_OVERHEAD_RECORDS'] ?? 20_000);
const warmUpRecords = 2_000;
const concurrency = 64;
const rounds = 3;

interface Figures {
  readonly emitted: number;
  readonly lines: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  /** Memory after a full GC, just before the run. */
  readonly before: MemoryPeaks;
  readonly peak: MemoryPeaks;
  readonly modelCalls: number;
  /** JS heap the fake's `calls` log holds at the end: not rxdgt's, but inside the peaks above. */
  readonly fakeLog: number;
}

/** One run of the pipeline, from a cold task to its `final_data.jsonl`. */
async function runPipeline(target: number): Promise<Figures> {
  const dir = await scratchDir('overhead');
  try {
    const model = new FakeLanguageModel({ answers: (_request, index) => `Question: unique question ${index}?\nAnswer: A${index}.` });
    const task = geographyBenchTask(model, concurrency, target, dir.path);
    collectGarbage();
    const { rss, heapUsed } = process.memoryUsage();
    const memory = sampleMemory();
    const cpu = process.cpuUsage();
    const start = performance.now();
    const emitted = await lastValueFrom(task.run().pipe(count()));
    const wallMs = performance.now() - start;
    const cpuMs = cpuMsSince(cpu);
    const peak = memory.stop();
    const modelCalls = model.calls.length;
    collectGarbage();
    const withLog = process.memoryUsage().heapUsed;
    model.calls.length = 0;
    collectGarbage();
    const fakeLog = withLog - process.memoryUsage().heapUsed;
    const text = await readFile(join(task.dir, 'data.jsonl'), 'utf8');
    return { emitted, lines: text.split('\n').length - 1, wallMs, cpuMs, before: { rss, heapUsed }, peak, modelCalls, fakeLog };
  } finally {
    await dir.remove();
  }
}

/** Records/s and µs per record (wall and CPU) of the geography QA pipeline with an instant fake model. */
export async function benchFrameworkOverhead(): Promise<string[]> {
  await runPipeline(warmUpRecords);
  const runs: Figures[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const run = await runPipeline(records);
    if (run.emitted !== records || run.lines !== records) {
      throw new Error(`expected ${records} records, the task emitted ${run.emitted} and wrote ${run.lines} lines`);
    }
    runs.push(run);
  }
  const perSecond = runs.map((run) => records / (run.wallMs / 1000));
  const wallMicroseconds = runs.map((run) => (run.wallMs * 1000) / records);
  const cpuMicroseconds = runs.map((run) => (run.cpuMs * 1000) / records);
  const cores = runs.map((run) => run.cpuMs / run.wallMs);
  const heapGrowth = runs.map((run) => run.peak.heapUsed - run.before.heapUsed);
  // RSS rarely shrinks once the heap has grown, so only the first measured run shows the growth a run causes.
  const first = runs[0]!;
  return [
    `geography QA, FakeLanguageModel answering at once, callLimit ${concurrency}, concurrency ${concurrency}, cache off; ` +
      `${num(records)} records per run, ${rounds} runs after a ${num(warmUpRecords)}-record warm-up (ranges are min – max over the runs)`,
    `  ${range(perSecond)} records/s: ${range(wallMicroseconds)} µs/record wall, including the JSONL append`,
    `  process CPU ${range(cpuMicroseconds)} µs/record (${range(cores)} cores busy on average)`,
    `  peak RSS +${mib(first.peak.rss - first.before.rss)} over ${mib(first.before.rss)} (first measured run); ` +
      `peak JS heap +${range(heapGrowth, mib)} over the heap after GC (every run)`,
    `  of which the fake's \`calls\` log (every request kept) holds ${range(runs.map((run) => run.fakeLog), mib)} at the end`,
  ];
}
