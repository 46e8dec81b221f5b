import { ConfigError } from '../errors/config-error.ts';
import { type RunSettings, prepareRun } from '../run/prepare-run.ts';
import { problemLines } from './problem-lines.ts';

/** What `rxdgt validate` found: every problem, one line each, and what it checked. */
export interface ValidationReport {
  /** One line per problem, naming the file and the field; the same problem (a builder's, met by each of its tasks) once. */
  readonly problems: readonly string[];
  /** Tasks found, loaded or not; 0 when the run's own setup (the joint config, the paths) could not be read. */
  readonly tasks: number;
  /** Builders whose YAML was loaded. */
  readonly builders: number;
}

/**
 * Loads every task, builder and joint config a run with these settings would, and checks them as that run would,
 * without any LM call or network access and without touching any output folder or cache file (`prepareRun` with
 * `checkOnly`); what it opened is closed. Every problem found is reported, not only the first.
 *
 * ## Example
 * ```ts
 * const { problems, tasks, builders } = await validateRun({ taskPaths: ['samples/geography-qa'] });
 * // problems: [], tasks: 1, builders: 1
 * ```
 * @throws whatever is not bad input (a file that exists but cannot be read is bad input: a problem)
 */
export async function validateRun(settings: RunSettings): Promise<ValidationReport> {
  let run;
  try {
    run = await prepareRun(settings, { checkOnly: true });
  } catch (error) {
    // The run's own setup (its joint config, its paths, its prices) could not be read: nothing further to check.
    if (!ConfigError.isInstance(error)) throw error;
    return { problems: problemLines(error), tasks: 0, builders: 0 };
  }
  try {
    const problems = [...new Set(run.failed.flatMap(({ error }) => problemLines(error)))];
    return { problems, tasks: run.found, builders: run.builders.length };
  } finally {
    await run.close();
  }
}

/**
 * `rxdgt validate ...`: prints each problem on its own line, then a one-line summary, on `out`. Returns the exit
 * code: 0 when all is well, 2 when anything is wrong.
 */
export async function validate(settings: RunSettings, out: NodeJS.WritableStream): Promise<number> {
  const { problems, tasks, builders } = await validateRun(settings);
  const checked = `${tasks} task${tasks === 1 ? '' : 's'}, ${builders} builder${builders === 1 ? '' : 's'} checked`;
  for (const line of problems) out.write(`${line}\n`);
  out.write(problems.length === 0 ? `${checked}: no problems\n` : `${checked}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
  return problems.length === 0 ? 0 : 2;
}
