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
import { RunReport } from './report.ts';

/**
 * Statuses after which a run has not done its job: exit code 1. A stalled task made fewer records than asked, as did
 * one stopped as `low_quality` (its acceptance rate or mean score too low), like a `failed` one (its LM calls failed
 * too often, or every input was rejected by one config-shaped issue: a mistake in the pipeline).
 */
const failedStatuses: ReadonlySet<TaskResult['status']> = new Set(['failed', 'errored', 'cancelled', 'stalled', 'low_quality']);

/**
 * `rxdgt run ...`: loads the tasks, checks the engines answer, runs every task and prints a summary.
 * Returns the exit code: 0 done, 1 run failed, 2 bad input.
 */
export async function main(argv: readonly string[], out: NodeJS.WriteStream = process.stdout, err: NodeJS.WriteStream = process.stderr): Promise<number> {
  try {
    const command = parseArgs(argv);
    if (command.command === 'help') {
      out.write(`${usage}\n`);
      return 0;
    }
    const run = await prepareRun(command.settings);
    try {
      return await execute(run, out, err);
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
async function execute({ tasks, engines }: PreparedRun, out: NodeJS.WriteStream, err: NodeJS.WriteStream): Promise<number> {
  for (const task of tasks) checkTaskFolder(task.dir);
  await checkEngines(engines);
  const report = new RunReport(tasks, out);
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
            // logs.jsonl. A task that errored ends the run with its error, which is printed below: not twice.
            onLog: (entry) => (entry.level === 'INFO' || entry.event === 'run_finished' ? undefined : err.write(`rxdgt: ${task.name}: ${redactUrl(entry.message)}\n`)),
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

