import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { Subscription } from 'rxjs';
import { ConfigError } from '../errors/config-error.ts';
import { EngineUnreachableError } from '../errors/engine-unreachable-error.ts';
import { errorMessage } from '../error-message.ts';
import { type PreparedRun, prepareRun } from '../run/prepare-run.ts';
import { checkEngines } from '../run/preflight.ts';
import { checkTaskFolder } from '../store/task-folder.ts';
import { runTasks } from '../run/run-tasks.ts';
import { Coordinator } from '../distributed/coordinator.ts';
import { type RunningWorker, startWorker } from '../distributed/worker.ts';
import { redactUrl } from '../redact-url.ts';
import type { TaskResult } from '../store/task-result.ts';
import { startMonitor } from '../monitor/start-monitor.ts';
import { RunTelemetry } from '../telemetry/run-telemetry.ts';
import { createRunLog, logLevelOf } from '../telemetry/run-log.ts';
import { type TelemetrySettings, telemetrySettingsFromEnv } from '../telemetry/telemetry-settings.ts';
import { openTelemetryRegistered } from '../telemetry/open-telemetry-registered.ts';
import { traceWithOpenTelemetry } from '../telemetry/trace-with-open-telemetry.ts';
import { writeTelemetryFiles } from '../telemetry/write-telemetry-files.ts';
import { type CliCommand, parseArgs, usage } from './args.ts';
import { catalog } from './catalog.ts';
import { formatCatalog } from './format-catalog.ts';
import { monitorCommand } from './monitor.ts';
import { packageVersion } from '../package-version.ts';
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
    // Latencies come from the traces of the telemetry folder runs write to, unless another is named.
    if (command.command === 'monitor') return await monitorCommand({ ...command, telemetryDir: command.telemetryDir ?? telemetrySettingsFromEnv().dir }, out, err);
    if (command.command === 'validate') return await validate(command.settings, out);
    if (command.command === 'preview') return await preview(command, out, err);
    // A bad DGT_TELEMETRY_* variable is bad input, told before anything runs.
    const telemetry = telemetrySettingsFromEnv();
    if (command.command === 'worker') return await workerCommand(command, err);
    // A distributed run: Redis answers (or the run stops here, naming it) before any task is loaded.
    const coordinator = command.queue === undefined ? undefined : await Coordinator.open(command.queue, command.settings);
    if (coordinator) err.write(`rxdgt: ${await workersLine(coordinator, command.queue as string)}\n`);
    const run = await prepareRun(coordinator ? { ...command.settings, remote: coordinator } : command.settings).catch(async (error: unknown) => {
      await coordinator?.close();
      throw error;
    });
    // A task that could not be loaded is set aside with one line; the others run, and the exit code says bad input.
    for (const { error } of run.failed) err.write(`rxdgt: ${errorMessage(error)}\n`);
    if (run.failed.length > 0) err.write(`rxdgt: ${run.failed.length} task(s) set aside; running the other ${run.tasks.length}\n`);
    try {
      const code = await execute(run, command, telemetry, { out, err });
      // A run that failed says so (1) before the tasks set aside (2).
      return run.failed.length > 0 && code === 0 ? 2 : code;
    } finally {
      await run.close();
      await coordinator?.close();
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

/** Where the CLI writes: the report and the summary on `out`, warnings and log lines on `err`. */
interface Streams {
  readonly out: NodeJS.WriteStream;
  readonly err: NodeJS.WriteStream;
}

/**
 * Checks the engines answer, runs every task with a live report, the run's telemetry (DGT's files, OpenTelemetry
 * spans, the log lines, the monitor page when asked) and returns the exit code.
 */
async function execute(run: PreparedRun, command: Extract<CliCommand, { command: 'run' }>, telemetrySettings: TelemetrySettings, { out, err }: Streams): Promise<number> {
  const { tasks, engines, enginesOf } = run;
  for (const task of tasks) checkTaskFolder(task.dir);
  // On a queue the workers call the models, with their own keys: this process may have none.
  if (command.queue === undefined) await checkEngines(engines);
  // A task's cost is known once some engine of its builder has a price (from its block or `--prices`).
  const report = new RunReport(tasks, out, { costKnown: (task) => enginesOf(task).some((engine) => engine.hasPrice), progress: command.log?.quiet !== true });
  // Who reads the run's events decides what is made: an event per input or per model call only for a reader of them.
  const tracingOn = openTelemetryRegistered();
  const perRecordReaders = !telemetrySettings.disabled || command.monitor !== undefined || tracingOn;
  const telemetry = new RunTelemetry({ buildId: command.settings.buildId, settledInputs: perRecordReaders });
  // The page reads the tasks' output folder (one, unless tasks name their own) and follows the run's events. Started
  // first: a port in use stops the run (exit 2) before anything is written.
  const outputDirs = [...new Set(tasks.map((task) => task.outputDir))];
  const outputDir = outputDirs.length === 1 ? (outputDirs[0] as string) : (command.settings.outputDir ?? process.env['DGT_OUTPUT_DIR'] ?? 'output');
  const monitor =
    command.monitor === undefined
      ? undefined
      : await startMonitor({ outputDir, telemetryDir: telemetrySettings.disabled ? undefined : telemetrySettings.dir, events: telemetry.events, port: command.monitor });
  if (monitor) err.write(`rxdgt: monitor at ${monitor.url}\n`);
  const files = telemetrySettings.disabled ? undefined : writeTelemetryFiles(telemetry.events, telemetrySettings);
  // Spans for OpenTelemetry only when an SDK is registered (a `--import` of the user's setup, say).
  const tracing = tracingOn ? traceWithOpenTelemetry(telemetry.events) : undefined;
  // Warnings (a crash repaired, a lock taken over, a secondary output that failed) are worth a line; `--debug` adds
  // every task's start and end and each model call. Written above the live table.
  const log = createRunLog({
    level: logLevelOf({ debug: command.debug, quiet: command.log?.quiet }),
    format: command.log?.json ? 'json' : 'text',
    stream: { write: (text: string) => report.writeAbove(err, text) },
  });
  const logging = log.observe(telemetry.events);
  const results: TaskResult[] = [];
  let cancelled = false;
  let failure: unknown;
  let watching: Subscription | undefined;
  try {
    telemetry.started(tasks);
    // The engines' calls and admission states are followed for the files, the monitor, OpenTelemetry or a log that
    // shows model calls; with none of them, a call makes no event.
    if (perRecordReaders || log.showsModelCalls) watching = telemetry.watch(tasks, enginesOf);
    report.start();
    await new Promise<void>((resolve, reject) => {
      const subscription = runTasks(tasks, {
        hooks: (task) => {
          const hooks = report.hooks(task);
          return telemetry.hooks(task, { ...hooks, onEnd: (result, progress) => (results.push(result), hooks.onEnd?.(result, progress)) });
        },
      }).subscribe({ error: reject, complete: resolve });
      // Ctrl-C or SIGTERM: unsubscribing aborts in-flight LM calls; every task records `cancelled`.
      const onSignal = (): void => {
        cancelled = true;
        subscription.unsubscribe();
        resolve();
      };
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      subscription.add(() => process.off('SIGINT', onSignal).off('SIGTERM', onSignal));
    });
  } catch (error) {
    failure = error;
  } finally {
    watching?.unsubscribe();
    report.finish();
  }
  const failed = failure !== undefined || results.some((result) => failedStatuses.has(result.status)) || results.length < tasks.length;
  telemetry.finished(cancelled ? 'cancelled' : failed ? 'failed' : 'completed');
  logging.unsubscribe();
  tracing?.unsubscribe();
  await files?.done.catch((error: unknown) => err.write(`rxdgt: the telemetry files could not be written: ${errorMessage(error)}\n`));
  if (monitor) {
    await monitor.close();
    err.write(`rxdgt: the monitor closed with the run; \`rxdgt monitor ${outputDir}\` shows it again\n`);
  }
  if (failure !== undefined) throw failure;
  return failed ? 1 : 0;
}

/** `rxdgt worker --queue <url>`: takes input jobs until SIGINT or SIGTERM, then lets those running finish. */
async function workerCommand(command: Extract<CliCommand, { command: 'worker' }>, err: NodeJS.WriteStream): Promise<number> {
  let worker: RunningWorker;
  try {
    worker = await startWorker({ url: command.queue, concurrency: command.concurrency, lockDuration: command.lockDuration, log: (line) => err.write(`rxdgt: ${line}\n`) });
  } catch (error) {
    if (ConfigError.isInstance(error)) throw error;
    err.write(`rxdgt: worker: ${errorMessage(error)}\n`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve).once('SIGTERM', resolve);
  });
  err.write(`rxdgt: worker ${worker.name} stops: the inputs it runs finish first (a second signal stops it now)\n`);
  // A Redis gone for good would hold the close for ever: a second signal, or a minute, ends the process anyway.
  const giveUp = new Promise<number>((resolve) => {
    const timer = setTimeout(() => resolve(1), 60_000);
    timer.unref();
    process.once('SIGINT', () => resolve(1)).once('SIGTERM', () => resolve(1));
  });
  const code = await Promise.race([worker.close().then(() => 0), giveUp]);
  if (code !== 0) {
    // What the worker still runs is dropped: its jobs' locks lapse, and other workers take them.
    err.write(`rxdgt: worker ${worker.name} stopped without finishing its inputs\n`);
    process.exit(code);
  }
  return code;
}

/** How many workers listen on the queue, as a line for the operator. */
async function workersLine(coordinator: Coordinator, url: string): Promise<string> {
  const workers = await coordinator.workers();
  const where = redactUrl(url);
  return workers === 0
    ? `no worker listens on ${where} yet: the inputs wait in the queue until \`rxdgt worker --queue ${where}\` starts`
    : `${workers} worker(s) listen on ${where}`;
}
