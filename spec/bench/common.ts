/**
 * Helpers shared by the benchmarks: seeds, scratch directories, CPU and memory measurement, formatting.
 * Benchmarks only print figures; nothing here asserts a timing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { stringify } from 'yaml';
import type { Fields } from '../../lib/record.ts';
import { geographyQa } from '../../builders/geography-qa/index.ts';
import { createEngine } from '../../lib/model/engine.ts';
import type { LanguageModel } from '../../lib/model/language-model.ts';
import { type Task, createTask } from '../../lib/run/task.ts';

/** The geography seeds of `samples/geography-qa`, so prompts have the size a real run sends. */
export const geographySeeds: readonly Fields[] = [
  { question: 'Which river flows through Budapest?', answer: 'The Danube.' },
  { question: 'What is the highest mountain in Africa?', answer: 'Mount Kilimanjaro, at about 5,895 metres.' },
  { question: 'Which country has the most natural lakes?', answer: 'Canada.' },
  { question: 'What is the capital of Australia?', answer: 'Canberra.' },
  { question: 'Which desert covers most of northern Chile?', answer: 'The Atacama Desert.' },
  { question: 'What strait separates Europe from Africa?', answer: 'The Strait of Gibraltar.' },
  { question: 'Which ocean lies between Africa and Australia?', answer: 'The Indian Ocean.' },
  { question: 'What is the largest island in the Mediterranean Sea?', answer: 'Sicily.' },
  { question: 'Which two countries share the longest international border?', answer: 'Canada and the United States.' },
  { question: 'In which country is the city of Timbuktu?', answer: 'Mali.' },
];

/** A fresh scratch directory under the OS temp dir; `remove` deletes it. */
export async function scratchDir(prefix: string): Promise<{ readonly path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `rxdgt-bench-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

let collect: (() => void) | undefined;

/**
 * A full garbage collection, so memory figures start from a settled heap. `npm run bench` runs without
 * `--expose-gc`; the flag is switched on at run time and `gc` is taken from a fresh context.
 */
export function collectGarbage(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}

/** Process CPU time (user + system) in ms since `start`, a `process.cpuUsage()` value. */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const delta = process.cpuUsage(start);
  return (delta.user + delta.system) / 1000;
}

/** Peaks of resident set size and used JS heap (bytes). */
export interface MemoryPeaks {
  readonly rss: number;
  readonly heapUsed: number;
}

/** Samples memory every few ms; `stop` returns the peaks seen, including one last sample. */
export function sampleMemory(intervalMs = 10): { stop(): MemoryPeaks } {
  let rss = 0;
  let heapUsed = 0;
  const sample = (): void => {
    const usage = process.memoryUsage();
    rss = Math.max(rss, usage.rss);
    heapUsed = Math.max(heapUsed, usage.heapUsed);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { rss, heapUsed };
    },
  };
}

/** `1234567.8` → `1,234,568`; fewer than 100 keeps `digits` decimals. */
export function num(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100
    ? Math.round(value).toLocaleString('en-US')
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

/** The middle value of a series (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `min – max` of a series, as the performance notes print ranges. */
export function range(values: readonly number[], format: (value: number) => string = (value) => num(value)): string {
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? format(low) : `${format(low)} – ${format(high)}`;
}

/** The benchmarked pipeline: the geography QA task over `model`, with the cache off so every record costs a call. */
export function geographyBenchTask(model: LanguageModel, concurrency: number, target: number, outputDir: string): Task {
  const generator = createEngine(model, { callLimit: concurrency, cacheSize: 0 });
  return createTask({ kind: 'generation', name: 'geo', seeds: geographySeeds, builder: geographyQa({ generator }), numOutputsToGenerate: target, concurrency, outputDir });
}

/**
 * A task folder and a joint config for the built CLI: the geography builder on the `simulated` engine (`call_limit`
 * 32) with Rouge-L dedupe at `threshold` (1.0: exact), `target` records. Returns the arguments of `rxdgt run` (add
 * `--restart` to start over); its output folder is `<dir>/out-<name>`.
 */
export function simulatedGeographyRun(dir: string, name: string, target: number, threshold: number): string[] {
  const taskDir = join(dir, `task-${name}`);
  mkdirSync(taskDir, { recursive: true });
  const task = { task_name: 'geo', task_description: 'benchmark', data_builder: 'public/examples/geography_qa', runner_config: { num_outputs_to_generate: target }, seed_examples: geographySeeds };
  writeFileSync(join(taskDir, 'task.yaml'), stringify(task));
  const blocks = [
    { name: 'generator', type: 'simulated', model_id_or_path: 'simulated', call_limit: 32 },
    { name: 'dedup', type: 'rouge_scorer', threshold },
  ];
  const config = join(taskDir, 'config.yaml');
  writeFileSync(config, stringify({ databuilders: { 'public/examples/geography_qa': { blocks } } }));
  return ['run', '--task-paths', taskDir, '--config-path', config, '--output-dir', join(dir, `out-${name}`)];
}

/**
 * A task folder and a joint config for the built CLI: the geography builder whose generator is an `openai` block
 * (`model_id_or_path: test-model`, `api_key: k`, then `block`'s fields: `base_url`, `call_limit`, `rpm`...), `target`
 * records. Returns the arguments of `rxdgt run` with paths relative to `dir`, to run in `dir` (as `rxdgt run --queue`
 * wants them, for workers started in the same folder); its output folder is `<dir>/out-<name>`.
 */
export function openaiGeographyRun(dir: string, name: string, target: number, block: Readonly<Record<string, unknown>>): string[] {
  const taskDir = join(dir, `task-${name}`);
  mkdirSync(taskDir, { recursive: true });
  const task = { task_name: 'geo', task_description: 'benchmark', data_builder: 'public/examples/geography_qa', runner_config: { num_outputs_to_generate: target }, seed_examples: geographySeeds };
  writeFileSync(join(taskDir, 'task.yaml'), stringify(task));
  const generator = { name: 'generator', type: 'openai', model_id_or_path: 'test-model', api_key: 'k', ...block };
  writeFileSync(join(taskDir, 'config.yaml'), stringify({ databuilders: { 'public/examples/geography_qa': { blocks: [generator] } } }));
  return ['run', '--task-paths', `task-${name}`, '--config-path', join(`task-${name}`, 'config.yaml'), '--output-dir', `out-${name}`];
}
