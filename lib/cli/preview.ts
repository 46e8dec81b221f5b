import { type RunPreview, previewRun } from '../run/preview-run.ts';
import type { RunSettings } from '../run/prepare-run.ts';
import { redactUrl } from '../redact-url.ts';
import { formatPreview } from './format-preview.ts';

/** What `rxdgt preview` runs: the run's settings, and how many inputs of each task. */
export interface PreviewOptions {
  readonly settings: RunSettings;
  /** Inputs per task: seed batches of a generation, rows of a transformation. @default 5 */
  readonly limit?: number | undefined;
  /** Keeps the temporary output folder (its path is printed) instead of removing it. @default false */
  readonly keep?: boolean | undefined;
  /** Prints every log line (info included) on `err`, as `run --debug`. @default false */
  readonly debug?: boolean | undefined;
}

/**
 * `rxdgt preview ...`: runs the first `limit` inputs of every task through the real pipeline into a temporary output
 * folder ({@link previewRun}), then prints per task the sample's records and rejects and an estimate of the whole run
 * (LM calls, tokens, cost, wall time). Ctrl-C stops the samples and prints what they did. Returns the exit code: 0
 * when the preview ran (rejects included), 2 for bad input, 1 when a sample errored.
 *
 * ## Example
 * ```ts
 * await preview({ settings: { taskPaths: ['samples/geography-qa'] }, limit: 3 }, process.stdout, process.stderr);
 * // samples/geography_qa (generation): a sample of 3 inputs: 3 records, 0 rejected, 3 LM calls
 * //   record  question: ...  answer: ...
 * //   estimate to 20 records, from the 3 inputs of this sample (100% of inputs made a record): ...
 * ```
 * @throws {ConfigError} for bad input, {EngineUnreachableError} when an engine does not answer
 */
export async function preview(options: PreviewOptions, out: NodeJS.WriteStream, err: NodeJS.WriteStream): Promise<number> {
  const limit = options.limit ?? 5;
  const debug = options.debug ?? false;
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  let found: RunPreview;
  try {
    found = await previewRun(options.settings, {
      limit,
      keep: options.keep ?? false,
      signal: stop.signal,
      onLog: (task, entry) => ((entry.level === 'INFO' && !debug) || entry.event === 'run_finished' ? undefined : err.write(`rxdgt: ${task}: ${redactUrl(entry.message)}\n`)),
    });
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
  for (const { message } of found.failed) err.write(`rxdgt: ${message}\n`);
  if (found.failed.length > 0) err.write(`rxdgt: ${found.failed.length} task(s) set aside; previewed the other ${found.tasks.length}\n`);
  const width = out.isTTY && out.columns > 20 ? out.columns : 100;
  for (const task of found.tasks) for (const line of formatPreview(task, width)) out.write(`${line}\n`);
  out.write(`Estimates from a sample of each task (--limit ${limit}): a whole run's acceptance and answer lengths may differ.\n`);
  if (found.outputDir !== undefined) out.write(`The sample's output folder is kept: ${found.outputDir}\n`);
  if (found.tasks.some((task) => task.status === 'errored' || task.status === undefined)) return 1;
  return found.failed.length > 0 ? 2 : 0;
}

