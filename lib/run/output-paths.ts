import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import { taskFolder } from '../store/task-folder.ts';
import { bookkeepingFiles, taskFiles } from '../store/task-layout.ts';
import type { TaskOutput } from './task-options.ts';

/**
 * Which of the task's own files `path` lands on, worded for errors: one of its bookkeeping files (`` `data.jsonl` ``,
 * a lock file: `bookkeepingFiles` of lib/store/task-layout.ts), its `` `blocks/` folder `` or a file in it, or its
 * `folder` itself; undefined when none. Lexical: `path` and `taskDir` are compared as resolved, without following links.
 *
 * ## Example
 * ```ts
 * bookkeepingAt('/out/t', '/out/t/blocks/rater.jsonl'); // '`blocks/` folder'
 * bookkeepingAt('/out/t', '/out/t/final_data.jsonl'); // undefined
 * ```
 */
export function bookkeepingAt(taskDir: string, path: string): string | undefined {
  const inside = relative(resolve(taskDir), resolve(path));
  if (inside === '') return 'folder';
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return undefined;
  const first = inside.split(sep)[0]!;
  if (first === taskFiles.blocks) return `\`${taskFiles.blocks}/\` folder`;
  return bookkeepingFiles.has(first) ? `\`${first}\`` : undefined;
}

/** Where a task's outputs come from, for {@link checkOutputPaths}' errors. */
export interface OutputsSource {
  /** The field of output `index` (`outputs.0.path`, `final_datastore.store_name`). */
  readonly fieldOf: (index: number) => string;
  /** The task file the outputs come from. */
  readonly file?: string | undefined;
  /** The factory the outputs were given to in code (`createTask`), for a message worded as its other errors. */
  readonly owner?: string | undefined;
}

/**
 * Checks a task's outputs against its folder before anything is written: a relative path must lie inside the folder
 * (as `taskFolder` checks a task's folder against its output folder, symbolic links included); an absolute one is
 * the caller's choice. No output may land on the task's own files (see {@link bookkeepingAt}), and no two on one
 * file. Returns each output's absolute path.
 *
 * ## Example
 * ```ts
 * checkOutputPaths([{ path: 'rated.csv', format: 'csv' }], '/out/t', { fieldOf: (index) => `outputs.${index}.path` }); // ['/out/t/rated.csv']
 * checkOutputPaths([{ path: 'data.jsonl', format: 'csv' }], '/out/t', { fieldOf: (index) => `outputs.${index}.path` });
 * // throws ConfigError: the output `data.jsonl` (/out/t/data.jsonl) would overwrite the task's own `data.jsonl`
 * ```
 *
 * @throws {ConfigError} in one line, naming the output's field (and the file, when `source` gives one)
 */
export function checkOutputPaths(outputs: readonly TaskOutput[], taskDir: string, source: OutputsSource): string[] {
  const paths: string[] = [];
  outputs.forEach((output, index) => {
    const field = source.fieldOf(index);
    const fail = (message: string, cause?: unknown): never => {
      if (source.owner !== undefined) throw new ConfigError(`${source.owner}: invalid config at \`${field}\`: ${message}`, { field, cause });
      throw new ConfigError(message, { file: source.file, field, cause });
    };
    const absolute = isAbsolute(output.path);
    const path = resolve(taskDir, output.path);
    const shown = absolute ? path : `\`${output.path}\` (${path})`;
    const own = bookkeepingAt(taskDir, path);
    if (own !== undefined) fail(`the output ${shown} would overwrite the task's own ${own}`);
    if (!absolute) {
      try {
        taskFolder(taskDir, output.path, field);
      } catch (error) {
        if (!ConfigError.isInstance(error)) throw error;
        const inside = relative(resolve(taskDir), path);
        const outside = inside === '..' || inside.startsWith(`..${sep}`);
        fail(outside ? `the output ${shown} lies outside the task's folder ${resolve(taskDir)}; give a path inside it (without \`..\`) or an absolute one` : `the output ${shown} leads through a symbolic link out of the task's folder ${resolve(taskDir)}`, error);
      }
    }
    const other = paths.indexOf(path);
    if (other !== -1) fail(`the output ${shown} is also written by \`${source.fieldOf(other)}\`; two outputs may not write one file`);
    paths.push(path);
  });
  return paths;
}
