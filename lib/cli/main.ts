import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { ConfigError } from '../errors/config-error.ts';
import { EngineUnreachableError } from '../errors/engine-unreachable-error.ts';
import { errorMessage } from '../error-message.ts';
import { redactUrl } from '../redact-url.ts';
import { type PreparedRun, prepareRun } from '../run/prepare-run.ts';
import { checkEngines } from '../run/preflight.ts';
import { checkTaskFolder } from '../store/task-folder.ts';
import { runTasks } from '../run/run-tasks.ts';
import type { TaskResult } from '../store/task-result.ts';
import { parseArgs, usage } from './args.ts';
import { catalog } from './catalog.ts';
import { formatCatalog } from './format-catalog.ts';
import { packageVersion } from './package-version.ts';
import { preview } from './preview.ts';
import { RunReport } from './report.ts';
import { validate } from './validate.ts';

/**
 * Statuses after which a run has not done its job: exit code 1. A stalled task made fewer records than asked, as did
 * one stopped as `low_quality` (its acceptance rate or mean score too low), like a `failed` one (its LM calls failed
 * too often, or every input was rejected by one config-shaped issue: a mistake in the pipeline).
 */
const failedStatuses: ReadonlySet<TaskResult['status']> = new Set(['failed', 'errored', 'cancelled', 'stalled', 'low_quality']);

/** Where `main` finds the `.env` file it loads before anything else. */
export interface MainOptions {
  /** The `.env` file to load (bin.ts gives the working directory's); none when unset. A missing file is fine. */
  readonly dotEnvPath?: string | undefined;
}

/**
 * Loads a `.env` file into `process.env`, as DGT does: `NAME=value` lines, `#` comments, quoted values (which may span
 * lines). A variable already set wins. A missing file is no error.
 * @throws {ConfigError} naming the file when it cannot be read or holds a line that is no assignment
 */
export function loadDotEnv(path: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new ConfigError(`cannot read the .env file: ${(error as Error).message}`, { file: path, cause: error });
  }
  let openQuote: string | undefined;
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (openQuote !== undefined) {
      if (line.includes(openQuote)) openQuote = undefined;
      continue;
    }
    if (/^\s*(#.*)?$/.test(line)) continue;
    const assignment = /^\s*(?:export\s+)?[A-Za-z_][\w.-]*\s*=\s*(.*)$/.exec(line);
    if (!assignment) throw new ConfigError(`line ${index + 1} of the .env file is not \`NAME=value\``, { file: path });
    const value = assignment[1] as string;
    const quote = /^["'`]/.exec(value)?.[0];
    if (quote !== undefined && !value.slice(1).includes(quote)) openQuote = quote;
  }
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (process.env[name] === undefined) process.env[name] = value;
  }
}

/**
 * `rxdgt run ...`: loads the `.env` file and the tasks, checks the engines answer, runs every task and prints a summary.
 * Returns the exit code: 0 done, 1 run failed, 2 bad input (also when some tasks were set aside and the others ran well).
 * `rxdgt validate ...` only checks the tasks (0 when all is well, 2 otherwise); `rxdgt preview ...` runs a sample of
 * each task and estimates the whole run (0 when it ran, 1 when a sample errored); `rxdgt list ...` prints what rxdgt
 * knows; `rxdgt --version` its version.
 */
export async function main(
  argv: readonly string[],
  out: NodeJS.WriteStream = process.stdout,
  err: NodeJS.WriteStream = process.stderr,
  options: MainOptions = {},
): Promise<number> {
  try {
    if (options.dotEnvPath !== undefined) loadDotEnv(options.dotEnvPath);
    const command = parseArgs(argv);
    if (command.command === 'help') {
      out.write(`${usage}\n`);
      return 0;
    }
    if (command.command === 'version') {
      out.write(`${packageVersion()}\n`);
      return 0;
    }
    if (command.command === 'list') {
      const found = catalog(command.topics);
      out.write(`${command.json ? JSON.stringify(found, null, 2) : formatCatalog(found)}\n`);
      return 0;
    }
    if (command.command === 'validate') return await validate(command.settings, out);
    if (command.command === 'preview') return await preview(command, out, err);
    const run = await prepareRun(command.settings);
    // A task that could not be loaded is set aside with one line; the others run, and the exit code says bad input.
    for (const { error } of run.failed) err.write(`rxdgt: ${errorMessage(error)}\n`);
    if (run.failed.length > 0) err.write(`rxdgt: ${run.failed.length} task(s) set aside; running the other ${run.tasks.length}\n`);
    try {
      const code = await execute(run, out, err, command.debug ?? false);
      // A run that failed says so (1) before the tasks set aside (2).
      return run.failed.length > 0 && code === 0 ? 2 : code;
    } finally {
      await run.close();
    }
  } catch (error) {
    // errorMessage hides the user name and password of any URL the message quotes.
    if (ConfigError.isInstance(error)) {
      err.write(`rxdgt: ${errorMessage(error)}\n`);
      return 2;
    }
    if (EngineUnreachableError.isInstance(error)) {
      err.write(`rxdgt: ${errorMessage(error)}\n`);
      return 1;
    }
    err.write(`rxdgt: run failed: ${errorMessage(error)}\n`);
    return 1;
  }
}

/** Checks the engines answer, runs every task with a live report, and returns the exit code. */
async function execute({ tasks, engines, enginesOf }: PreparedRun, out: NodeJS.WriteStream, err: NodeJS.WriteStream, debug: boolean): Promise<number> {
  for (const task of tasks) checkTaskFolder(task.dir);
  await checkEngines(engines);
  // A task's cost is known once some engine of its builder has a price (from its block or `--prices`).
  const report = new RunReport(tasks, out, { costKnown: (task) => enginesOf(task).some((engine) => engine.hasPrice) });
  const results: TaskResult[] = [];
  report.start();
  try {
    await new Promise<void>((resolve, reject) => {
      const subscription = runTasks(tasks, {
        hooks: (task) => {
          const hooks = report.hooks(task);
          return {
            ...hooks,
            // Warnings (a crash repaired, a lock taken over, a secondary output that failed) are worth a line; the rest is in
            // logs.jsonl (`--debug` prints them too). A task that errored ends the run with its error, printed below: not twice.
            onLog: (entry) => ((entry.level === 'INFO' && !debug) || entry.event === 'run_finished' ? undefined : report.writeAbove(err, `rxdgt: ${task.name}: ${redactUrl(entry.message)}\n`)),
            onEnd: (result, progress) => (results.push(result), hooks.onEnd?.(result, progress)),
          };
        },
      }).subscribe({ error: reject, complete: resolve });
      // Ctrl-C or SIGTERM: unsubscribing aborts in-flight LM calls; every task records `cancelled`.
      const onSignal = (): void => {
        subscription.unsubscribe();
        resolve();
      };
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      subscription.add(() => process.off('SIGINT', onSignal).off('SIGTERM', onSignal));
    });
  } finally {
    report.finish();
  }
  return results.some((result) => failedStatuses.has(result.status)) || results.length < tasks.length ? 1 : 0;
}

