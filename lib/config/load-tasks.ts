import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../errors/config-error.ts';
import type { RecordSource } from '../store/sources/record-source.ts';
import { deepMerge } from './deep-merge.ts';
import { dgtEnv, type Env, expandEnv } from './expand-env.ts';
import { resolveIncludes } from './include.ts';
import { type BuilderOverrideConfig, type JointConfig, loadJointConfig } from './joint-config.ts';
import { isPlainObject } from './plain-object.ts';
import { loadSeeds, openTransformData } from './task-data.ts';
import { findTaskFiles } from './task-paths.ts';
import { type TaskSpec, taskSpecSchema } from './task-spec.ts';
import { readYamlFile } from './yaml-file.ts';
import { zodIssueToConfigError } from './zod-issue.ts';

/** One validated task with its seeds and transformation input read from disk. */
export interface LoadedTask {
  /** Task file, or the joint config for a task defined only there. */
  readonly file: string | undefined;
  /** Where the task sits in `file` when that is the joint config (`tasks.<name>`). */
  readonly fieldPrefix?: string | undefined;
  readonly spec: TaskSpec;
  /** Inline `seed_examples` followed by `seed_datastore` records; undefined when the task has neither. */
  readonly seeds: readonly Record<string, unknown>[] | undefined;
  /** Transformation input (`data`): the inline list, or its datastore opened for reading. */
  readonly data: readonly Record<string, unknown>[] | RecordSource | undefined;
}

/** Options of {@link loadTasks}. */
export interface LoadTasksOptions {
  /** Joint config (DGT's `--config-path`): builder overrides, task overrides, extra task files. */
  readonly configPath?: string | undefined;
  /** Variables for `${VAR}` expansion. @default process.env */
  readonly env?: Env | undefined;
  /** Directory relative task paths and data paths resolve against. @default process.cwd() */
  readonly cwd?: string | undefined;
  /** Schema for tasks of one builder (e.g. from `taskSpecSchemaWith`); the base schema when it returns undefined. */
  readonly taskSchema?: ((dataBuilder: string) => z.ZodType | undefined) | undefined;
  /**
   * Goes on past a task that cannot be loaded (a malformed file, a bad field, a missing seed file), keeping its error
   * in `failed`, so a directory tree runs every task it can. Problems of the joint config itself still throw.
   * @default false: the first problem throws
   */
  readonly keepGoing?: boolean | undefined;
}

/** A task that could not be loaded, and why. */
export interface TaskFailure {
  /** The task file (or the joint config, for a task defined there). */
  readonly file: string | undefined;
  readonly error: ConfigError;
}

/** Result of {@link loadTasks}. */
export interface LoadedTasks {
  readonly tasks: LoadedTask[];
  /** The joint config's `databuilders` section, keyed by builder name. */
  readonly builderOverrides: Record<string, BuilderOverrideConfig>;
  /** Tasks that could not be loaded (with `keepGoing`; empty otherwise), in path order. */
  readonly failed: TaskFailure[];
}

interface TaskSource {
  readonly file: string;
  readonly document: Record<string, unknown>;
  readonly fieldPrefix?: string | undefined;
}

/**
 * Loads DGT task files as DGT's CLI does: directories are walked for `task.yaml`/`qna.yaml`; each file is read,
 * env-expanded, has its `include:` resolved and the joint config's task overrides deep-merged in (a `null` clears a
 * field), then is validated and its seeds and data are read. The joint config's `task_files` are loaded too, and a
 * `tasks:` entry no task file defines is a whole task created from the config (it needs `data_builder`), so
 * `paths` may be empty when a joint config is given. No paths and no config tasks gives no tasks (not an error).
 *
 * Internal: the package does not export it. Callers load and build tasks in one step with `prepareRun`.
 *
 * ## Example
 * ```ts
 * import { prepareRun } from 'rxdgt';
 *
 * const { tasks } = await prepareRun({ taskPaths: ['tasks/public/examples/geography'], configPath: 'configs/qa.yaml' });
 * tasks[0].name; // 'public/examples/geography_qa'
 * ```
 *
 * @see prepareRun, which calls this and turns each loaded task into a runnable `Task`
 * @see mergeBuilderSpec to apply `builderOverrides` to a builder YAML
 * @throws {ConfigError} naming the file and field of the first problem found
 */
export async function loadTasks(paths: readonly string[], options: LoadTasksOptions = {}): Promise<LoadedTasks> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const env = dgtEnv(options.env ?? process.env);
  const config = options.configPath === undefined ? undefined : await loadJointConfig(resolve(cwd, options.configPath), env);
  const files = await findTaskFiles([...paths, ...(await configTaskFiles(config, cwd))], cwd);
  const sources: TaskSource[] = [];
  const failed: TaskFailure[] = [];
  // With `keepGoing`, a task's own problem is kept and the next task tried; anything else is thrown.
  const attempt = async <T>(file: string | undefined, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      if (!options.keepGoing || !ConfigError.isInstance(error)) throw error;
      failed.push({ file, error });
      return undefined;
    }
  };
  const fileOfTask = new Map<string, string>();
  for (const file of files) {
    const source = await attempt(file, async () => {
      const document = await readTaskDocument(file, env, cwd);
      const name = document['task_name'];
      if (typeof name === 'string') {
        const other = fileOfTask.get(name);
        if (other !== undefined) throw new ConfigError(`duplicate task_name \`${name}\`: also defined in ${other}`, { file, field: 'task_name' });
        fileOfTask.set(name, file);
      }
      const override = typeof name === 'string' ? config?.tasks[name] : undefined;
      const overrides = override === undefined ? {} : await resolveIncludes(override, { file: config!.file, cwd, env, fieldPrefix: `tasks.${name}` });
      return { file, document: deepMerge(document, overrides) };
    });
    if (source) sources.push(source);
  }
  // As in DGT, a `tasks:` entry no task file defines is a whole task of its own, named by its key. While some task file
  // could not be read, such an entry may be that file's override: it is set aside, not run on its own.
  const unread = failed.length;
  for (const [name, entry] of Object.entries(config?.tasks ?? {})) {
    if (fileOfTask.has(name)) continue;
    const fieldPrefix = `tasks.${name}`;
    const source = await attempt(config!.file, async () => {
      if (unread > 0) {
        throw new ConfigError(`task \`${name}\` is in no task file that could be read, and ${unread} could not: it may be the override of one of them, so it is not run on its own`, { file: config!.file, field: fieldPrefix });
      }
      const document = deepMerge({}, await resolveIncludes(entry, { file: config!.file, cwd, env, fieldPrefix }));
      if (document['data_builder'] === undefined) {
        const searched = files.length === 0 ? 'no task files were given' : `none of the ${files.length} task file(s) defines it`;
        throw new ConfigError(`task \`${name}\` is not in any task file (${searched}), so it is a whole task here and needs \`data_builder\``, {
          file: config!.file,
          field: `${fieldPrefix}.data_builder`,
        });
      }
      return { file: config!.file, document: { ...document, task_name: name }, fieldPrefix };
    });
    if (source) sources.push(source);
  }
  const tasks: LoadedTask[] = [];
  // One at a time, so the error reported is always the first in path order.
  for (const source of sources) {
    const task = await attempt(source.file, () => loadTask(source, cwd, options.taskSchema));
    if (task) tasks.push(task);
  }
  return { tasks, builderOverrides: { ...config?.databuilders }, failed };
}

async function readTaskDocument(file: string, env: Env, cwd: string): Promise<Record<string, unknown>> {
  const content = await readYamlFile(file);
  if (content === null || content === undefined) throw new ConfigError('task file is empty', { file });
  if (!isPlainObject(content)) throw new ConfigError(`expected a mapping at the top level, received ${Array.isArray(content) ? 'array' : typeof content}`, { file });
  return resolveIncludes(expandEnv(content, env) as Record<string, unknown>, { file, cwd, env });
}

async function loadTask(source: TaskSource, cwd: string, taskSchema: LoadTasksOptions['taskSchema']): Promise<LoadedTask> {
  const builder = source.document['data_builder'];
  const schema = (typeof builder === 'string' ? taskSchema?.(builder) : undefined) ?? taskSpecSchema;
  const parsed = schema.safeParse(source.document);
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, source.file, { fieldPrefix: source.fieldPrefix });
  const spec = parsed.data as TaskSpec;
  const context = { file: source.file, cwd, fieldPrefix: source.fieldPrefix };
  const [seeds, data] = await Promise.all([loadSeeds(spec, context), openTransformData(spec, context)]);
  return { file: source.file, fieldPrefix: source.fieldPrefix, spec, seeds, data };
}

// DGT reads `task_files` relative to the working directory; a path missing there is tried next to the config.
async function configTaskFiles(config: JointConfig | undefined, cwd: string): Promise<string[]> {
  if (config === undefined) return [];
  return Promise.all(
    config.taskFiles.map(async (path) => {
      const besideConfig = resolve(dirname(config.file), path);
      return (await exists(resolve(cwd, path))) || !(await exists(besideConfig)) ? resolve(cwd, path) : besideConfig;
    }),
  );
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
