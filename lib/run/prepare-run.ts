import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { discoverBuilders } from '../builder-paths.ts';
import { type BuilderSpec, builderSpecSchemaWith, loadBuilderSpec, mergeBuilderSpec } from '../config/builder-spec.ts';
import { dgtEnv } from '../config/expand-env.ts';
import { type LoadedTask, type TaskFailure, loadTasks } from '../config/load-tasks.ts';
import { resolveInputPath } from '../config/input-path.ts';
import { taskSpecSchema, taskSpecSchemaWith } from '../config/task-spec.ts';
import { readYamlFile } from '../config/yaml-file.ts';
import { zodIssueToConfigError } from '../config/zod-issue.ts';
import { z } from 'zod';
import { type BuilderDefinition, type BuilderTask, type ResolvedBlocks, findBuilder, knownBuilder, resolveBlocks } from '../builder-registry.ts';
import { ConfigError } from '../errors/config-error.ts';
import type { Engine } from '../model/engine.ts';
import type { ResponseCache } from '../model/response-cache.ts';
import { openSqliteCache } from '../model/sqlite-cache.ts';
import { embedderFactory } from '../model/embedding-block.ts';
import { taskFolder } from '../store/task-folder.ts';
import type { EngineDefaults } from './lm-block.ts';
import { runnerStopCriteria } from './runner-criteria.ts';
import { type StopCriterion, hasCostBudget, hasTokenBudget } from './stop-criteria.ts';
import type { TaskProgress } from './task-progress.ts';
import { Task, type TaskOptions } from './task.ts';
import type { RemoteBuilders } from './remote-builders.ts';
import { findBlockDefinition } from '../blocks/registry.ts';
import type { Builder } from './task-options.ts';
import { bookkeepingAt } from './output-paths.ts';
import { fieldsProblem, inputsInFlightFor } from './task-options.ts';
import { type PlacedOutput, ledgerKindOf, taskOutputs } from './task-outputs.ts';

/** Settings that apply to every task of a run (the CLI's flags). */
export interface RunSettings {
  readonly taskPaths: readonly string[];
  /** DGT's joint config: builder block overrides, task overrides, extra task files. */
  readonly configPath?: string | undefined;
  /**
   * Folders of the user's own builders (DGT's `--include-builder-paths`): `pipeline:` builder YAMLs and modules that
   * export builder definitions. A task's `data_builder` may name any of them.
   */
  readonly builderPaths?: readonly string[] | undefined;
  /** Overrides `runner_config.num_outputs_to_generate` of every generation task. */
  readonly numOutputsToGenerate?: number | undefined;
  /** Overrides `runner_config.seed_batch_size` of every generation task (DGT's `--seed-batch-size`). */
  readonly seedBatchSize?: number | undefined;
  /** Overrides `runner_config.machine_batch_size` of every generation task (DGT's `--machine-batch-size`); 0 mixes in none. */
  readonly machineBatchSize?: number | undefined;
  /**
   * Stops a generation task after this many generation attempts (inputs tried) in this run, with status `stalled`
   * (DGT's `--max-gen-requests`: the cap on its generation loop, for builders that never reach their target).
   */
  readonly maxGenRequests?: number | undefined;
  /** Stops a generation task after this many attempts in a row made no record (DGT's `--max-stalled-requests`). @default 100 */
  readonly maxStalledRequests?: number | undefined;
  /**
   * DGT's `--num-prompt-instructions` and `--prompt-file-path`: settings of DGT's instructlab builders (in-context
   * examples per prompt, and the prompt template file), which builders read from their `BuilderTask.settings`.
   */
  readonly numPromptInstructions?: number | undefined;
  readonly promptFilePath?: string | undefined;
  /**
   * Every LM block answers with the offline `simulated` engine (`--simulated`): its config is still checked as written,
   * but no endpoint is reached, no key needed, no `lm_cache` read or written and no price counted. For a first look,
   * a dry run or a demo; every text it writes starts with `[simulated]`.
   */
  readonly simulated?: boolean | undefined;
  /** LM blocks whose type has a batch API send their requests through it (`--batch`), as if they set `batch: true`. */
  readonly batch?: boolean | undefined;
  /** Starts every task over instead of resuming (DGT's `--restart`). */
  readonly restart?: boolean | undefined;
  /** Turns on every task's `runner_config.save_formatted_output` (DGT's `--save-formatted-output`); each task then needs a `formatter`. */
  readonly saveFormattedOutput?: boolean | undefined;
  /** The run's seed for every task (`--seed`): reruns repeat every random draw. Overrides `runner_config.seed`. */
  readonly seed?: number | undefined;
  /** Overrides `runner_config.output_dir` of every task. */
  readonly outputDir?: string | undefined;
  readonly buildId?: string | undefined;
  /** DGT's `lm_cache` for every LM block that sets none: a SQLite file of answers. */
  readonly lmCache?: string | undefined;
  /** Prices in US dollars per million tokens by `model_id_or_path`, for LM blocks without a `price`. */
  readonly prices?: EngineDefaults['prices'];
  /** A YAML or JSON file of such prices (the CLI's `--prices`); `prices` wins for a model in both. */
  readonly pricesPath?: string | undefined;
  /** Stops every task once its LM calls used this many tokens. */
  readonly tokenBudget?: number | undefined;
  /** Stops every task once its LM calls cost this many US dollars. */
  readonly costBudget?: number | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /**
   * Runs every task's builder in other processes (`rxdgt run --queue`: BullMQ workers); the tasks keep their ledger,
   * stop criteria and outputs here. @default the builders run in this process
   */
  readonly remote?: RemoteBuilders | undefined;
}

/** One engine of the run, with the builder and block it belongs to. */
export interface RunEngine {
  readonly builder: string;
  readonly block: string;
  readonly engine: Engine;
}

/** How {@link prepareRun} prepares the tasks. */
export interface PrepareOptions {
  /**
   * Only check the tasks, for `rxdgt validate`: no response cache file is opened (the engines keep no answers), tasks
   * at odds with each other (a shared folder or output) are each set aside in `failed` rather than failing the whole
   * run, every builder under `builderPaths` is loaded even when no task names it (its problems are in `failed`, with
   * its YAML as `file`), and no task loading is no error (`tasks` is then empty, `failed` says why).
   * @default false
   */
  readonly checkOnly?: boolean | undefined;
}

/** Tasks ready to run, and the engines they share. */
export interface PreparedRun {
  readonly tasks: readonly Task[];
  /** Tasks set aside because they could not be loaded (a bad field, an unknown builder, a missing seed file), with why. */
  readonly failed: readonly TaskFailure[];
  readonly engines: readonly RunEngine[];
  /** How many tasks were found: those in `tasks` and those set aside. */
  readonly found: number;
  /** Every builder whose YAML was loaded for the run (its blocks resolved, or tried), by name, sorted. */
  readonly builders: readonly string[];
  /** The LM engines of a task's builder (those a task makes while it runs, such as a tool simulator's, too). */
  enginesOf(task: Task): readonly Engine[];
  /** A task's builder as made in this process (a worker of a distributed run feeds it inputs itself). */
  builderOf(task: Task): Builder<never>;
  /** Releases what the engines hold: server processes they started, response cache files. Call it when the run ends. */
  close(): Promise<void>;
}

const pricesSchema = z.record(z.string().min(1), z.strictObject({ input: z.number().min(0), output: z.number().min(0) }));

/** Reads a price table: `{ <model_id>: { input, output } }` in US dollars per million tokens. */
async function loadPrices(path: string): Promise<z.output<typeof pricesSchema>> {
  const parsed = pricesSchema.safeParse(await readYamlFile(path));
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, path);
  return parsed.data;
}

/**
 * Loads task files (and the joint config) into runnable tasks. Blocks are resolved once per builder, so
 * every task of a builder shares its engines (and their `call_limit`). Every task's place is checked first, on its own
 * and against the other tasks' (see `checkTasksApart`), before any builder is loaded. Nothing is written to disk.
 *
 * ## Example
 * ```ts
 * import { prepareRun, runTasks } from 'rxdgt';
 * const { tasks } = await prepareRun({ taskPaths: ['samples/geography-qa'], numOutputsToGenerate: 5 });
 * runTasks(tasks).subscribe((record) => console.log(record.question));
 * ```
 * @param options `checkOnly` for `rxdgt validate`: see {@link PrepareOptions}
 * @throws {ConfigError} for any bad input, naming the file and the field
 */
export async function prepareRun(settings: RunSettings, options: PrepareOptions = {}): Promise<PreparedRun> {
  const checkOnly = options.checkOnly ?? false;
  const env = dgtEnv(settings.env ?? process.env);
  const discovered = settings.builderPaths?.length ? await discoverBuilders(settings.builderPaths, settings.cwd) : [];
  // A task of a builder with its own task fields is parsed with them. A task of an unknown builder is read loosely:
  // its fields are that builder's, so the error to report (below, naming `data_builder`) is the builder.
  const taskSchema = (dataBuilder: string) => {
    const definition = knownBuilder(dataBuilder, discovered);
    if (definition === undefined) return taskSpecSchema.loose();
    return definition.taskFields ? taskSpecSchemaWith(definition.taskFields) : undefined;
  };
  const { tasks: found, builderOverrides, failed } = await loadTasks(settings.taskPaths, { configPath: settings.configPath, env, cwd: settings.cwd, taskSchema, keepGoing: true });
  const foundCount = found.length + failed.length;
  // A task's own problem sets that task aside (it is reported in `failed`); the others still run.
  const setAside = <T>(file: string | undefined, work: () => T): T | undefined => {
    try {
      return work();
    } catch (error) {
      if (!ConfigError.isInstance(error)) throw error;
      failed.push({ file, error });
      return undefined;
    }
  };
  if (found.length === 0 && failed.length === 0) {
    if (settings.taskPaths.length === 0 && settings.configPath) {
      throw new ConfigError('the joint config defines no task: give `--task-paths`, or list `task_files` or whole tasks (with `data_builder`) under `tasks:`', { file: settings.configPath });
    }
    throw new ConfigError(`no task file (task.yaml) found in ${settings.taskPaths.join(', ') || 'the given paths'}`);
  }
  // Every task's place first, before any builder is loaded or cache file opened: a bad layout touches nothing.
  const outputDirOf = ({ spec }: LoadedTask): string => settings.outputDir ?? spec.runner_config?.output_dir ?? spec.datastore?.output_dir ?? env['DGT_OUTPUT_DIR'] ?? 'output';
  const placed = found.flatMap((entry) => {
    const task = setAside(entry.file, () => {
      const ready = settings.saveFormattedOutput ? withFormattedOutput(entry) : entry;
      return { entry: ready, place: placeTask(ready, outputDirOf(ready)) };
    });
    return task ? [task] : [];
  });
  const loaded = placed.map(({ entry }) => entry);
  const places = placed.map(({ place }) => place);
  // Checking only: each task at odds with another is set aside (still prepared, for its other problems), not the run.
  const atOdds = new Set<PlacedTask>();
  checkTasksApart(places, checkOnly ? (place, error) => (atOdds.add(place), failed.push({ file: place.file, error })) : undefined);

  // One cache per file, however many blocks name it.
  const caches = new Map<string, ResponseCache>();
  const defaults: EngineDefaults = {
    ...(settings.simulated ? { simulated: true } : {}),
    ...(settings.batch ? { batch: true } : {}),
    lmCache: settings.lmCache,
    prices: { ...(settings.pricesPath ? await loadPrices(settings.pricesPath) : {}), ...settings.prices },
    // Checking only: no cache file is opened (nor created), and no answer is kept.
    openCache: checkOnly ? () => keepsNothing : (path) => caches.get(path) ?? caches.set(path, openSqliteCache(path)).get(path)!,
  };
  const budgets = [
    ...(settings.tokenBudget ? [hasTokenBudget(settings.tokenBudget)] : []),
    ...(settings.costBudget ? [hasCostBudget(settings.costBudget)] : []),
  ];
  const embedder = embedderFactory(defaults);
  const builders = new Map<string, { definition: BuilderDefinition; blocks: ResolvedBlocks; builderSpec: BuilderSpec }>();
  const triedBuilders = new Set<string>();
  const builderFor = async (dataBuilder: string, file: string | undefined) => {
    const definition = findBuilder(dataBuilder, file, discovered);
    const known = builders.get(definition.name);
    if (known) return known;
    triedBuilders.add(definition.name);
    const override = builderOverrides[definition.name];
    const schema = builderSpecSchemaWith(definition.builderFields ?? {});
    const base = await loadBuilderSpec(definition.yamlPath, definition.builderFields ? (schema as unknown as z.ZodType<BuilderSpec>) : undefined);
    const spec = override ? mergeBuilderSpec(base, override, { file: settings.configPath, field: `databuilders.${definition.name}` }) : base;
    if (override) {
      // What the joint config added or changed is checked as the builder YAML is: an unknown builder key is named there.
      const merged = schema.safeParse(spec);
      if (!merged.success) throw zodIssueToConfigError(merged.error, settings.configPath, { fieldPrefix: `databuilders.${definition.name}` });
    }
    // A block the joint config overrides is reported at its place in the config; the others in the builder YAML.
    const locate = (name: string, index: number) => {
      const overridden = override?.blocks?.findIndex((block) => block.name === name) ?? -1;
      return overridden >= 0 && settings.configPath
        ? { file: settings.configPath, field: `databuilders.${definition.name}.blocks.${overridden}` }
        : { file: definition.yamlPath, field: `blocks.${index}` };
    };
    const blocks = resolveBlocks(spec, locate, defaults, { directory: dirname(definition.yamlPath), pipeline: definition.pipeline ?? false, kind: definition.kind, embedder });
    const entry = { definition, blocks, builderSpec: spec };
    builders.set(definition.name, entry);
    return entry;
  };

  const tasks: Task[] = [];
  const used = new Set<string>();
  const blocksOf = new Map<Task, ResolvedBlocks>();
  const localBuilders = new Map<Task, Builder<never>>();
  // The prompt file is the user's, named on the command line: it resolves against the run's working directory.
  const builderSettings = {
    numPromptInstructions: settings.numPromptInstructions,
    promptFilePath: settings.promptFilePath === undefined ? undefined : resolve(settings.cwd ?? '.', settings.promptFilePath),
  };
  for (const [index, { file, fieldPrefix, spec, seeds, data }] of loaded.entries()) {
    try {
      const prepared = await prepareTask(index, { file, fieldPrefix, spec, seeds, data });
      if (atOdds.has(places[index]!)) continue;
      tasks.push(prepared.task);
      used.add(prepared.builder);
      blocksOf.set(prepared.task, builders.get(prepared.builder)!.blocks);
    } catch (error) {
      if (!ConfigError.isInstance(error)) throw error;
      failed.push({ file, error });
    }
  }
  async function prepareTask(index: number, { file, fieldPrefix, spec, seeds, data }: LoadedTask): Promise<{ task: Task; builder: string }> {
    const place = places[index]!;
    const { definition, blocks, builderSpec } = await builderFor(spec.data_builder, file);
    const directory = file ? dirname(file) : resolve(settings.cwd ?? '.');
    const cwd = resolve(settings.cwd ?? '.');
    const dataDirectory = resolve(cwd, env['DGT_DATA_DIR'] ?? 'data');
    const builderTask: BuilderTask = {
      spec,
      file,
      fieldPrefix: fieldPrefix ?? '',
      directory,
      settings: builderSettings,
      resolvePath: (path, field) => resolveInputPath(path, { folder: directory, cwd, dataDirectory, file: file ?? directory, field }),
    };
    const runner = spec.runner_config ?? {};
    const datastore = spec.datastore;
    // A task keeps a few more inputs in flight than its busiest LM block may serve at once; a distributed one, what
    // its workers may serve (`remote.inputsInFlight`).
    const callLimit = Math.max(1, ...[...blocks.engines.values()].map((engine) => engine.callLimit));
    const concurrency = inputsInFlightFor(callLimit);
    const loader = spec.dataloader;
    const seed = settings.seed ?? runner.seed;
    const common = {
      name: spec.task_name,
      ...(place.storeName ? { storeName: place.storeName } : {}),
      outputDir: place.outputDir,
      concurrency,
      buildId: settings.buildId ?? 'exp',
      stopWhen: [...budgets, ...runnerStopCriteria(runner)],
      restart: settings.restart ?? runner.restart_generation ?? datastore?.restart ?? false,
      ...(seed === undefined ? {} : { seed }),
      ledger: ledgerKindOf(datastore),
      outputs: place.outputs.map(({ output }) => output),
      ...(loader?.type === 'default' && loader.fields ? { fields: loader.fields } : {}),
      card: { databuilder_name: definition.name, task_spec: spec, databuilder_spec: builderSpec },
    };
    const construct = (options: TaskOptions): Task => {
      try {
        return new Task(options);
      } catch (error) {
        // A problem of the options the task file gave: say which file.
        if (ConfigError.isInstance(error) && error.file === undefined) throw new ConfigError(error.message, { file, field: error.field, cause: error });
        throw error;
      }
    };
    // A distributed run: the same task, its builder's work sent to the workers, more inputs in flight for them.
    const make = (options: TaskOptions): Task => {
      const task = construct(options);
      const remote = settings.remote;
      const local = options.builder as Builder<never>;
      if (!remote) {
        localBuilders.set(task, local);
        return task;
      }
      // A block that compares every record with every other cannot see them on workers that get one input each.
      const whole = blocks.spec.blocks.findIndex((block) => !blocks.isPostprocessor(block.name) && findBlockDefinition(String(block['type']))?.wholeInput === true);
      if (whole >= 0) {
        const block = blocks.spec.blocks[whole]!;
        throw new ConfigError(`block \`${block.name}\` (${String(block['type'])}) needs every record of the task at once: it cannot run on the workers of a --queue run, which see one input at a time; run this task without --queue`, { file: definition.yamlPath, field: `blocks.${whole}` });
      }
      const builder = remote.builderFor(local, { name: task.name, dir: task.dir, card: options.card });
      const distributed = construct({ ...options, builder, concurrency: remote.inputsInFlight(callLimit) } as TaskOptions);
      localBuilders.set(distributed, local);
      return distributed;
    };
    if (definition.kind === 'generation') {
      if ((!seeds || seeds.length === 0) && !definition.seedless) {
        throw new ConfigError('a generation task needs `seed_examples` or a `seed_datastore`', { file, field: 'seed_examples' });
      }
      const task = make({
        ...common,
        kind: 'generation',
        builder: definition.create(blocks, builderTask),
        seeds: seeds && seeds.length > 0 ? seeds : [{}],
        numOutputsToGenerate: settings.numOutputsToGenerate ?? runner.num_outputs_to_generate ?? 2,
        ...(settings.seedBatchSize ?? runner.seed_batch_size ? { seedBatchSize: (settings.seedBatchSize ?? runner.seed_batch_size) as number } : {}),
        machineBatchSize: settings.machineBatchSize ?? runner.machine_batch_size ?? 10,
        ...(settings.maxStalledRequests ? { maxStalledAttempts: settings.maxStalledRequests } : {}),
        ...(settings.maxGenRequests ? { stopWhen: [...common.stopWhen, hasGenerationAttempts(settings.maxGenRequests)] } : {}),
        // Seeds start over unless `loop_over: false`. Not for a transformation: it is one pass, as DGT's (whose
        // `loop_over` only resets the loader for a later read).
        ...(loader?.loop_over === undefined ? {} : { loopOver: loader.loop_over }),
      });
      return { builder: definition.name, task };
    }
    // DGT's transformation tasks may read their records from `seed_examples` / `seed_datastore` (Magpie's do).
    const input = data ?? seeds;
    if (!input) throw new ConfigError('a transformation task needs `data` (or `seed_examples` / `seed_datastore`)', { file, field: 'data' });
    const task = make({ ...common, kind: 'transformation', builder: definition.create(blocks, builderTask), data: input });
    return { builder: definition.name, task };
  }
  // Checking only: the user's builders no task names are loaded too.
  if (checkOnly) {
    for (const definition of discovered) {
      if (triedBuilders.has(definition.name)) continue;
      try {
        await builderFor(definition.name, definition.yamlPath);
      } catch (error) {
        if (!ConfigError.isInstance(error)) throw error;
        failed.push({ file: definition.yamlPath, error });
      }
    }
  }
  // Only the engines of builders some task uses: a builder whose every task was set aside is not checked or run.
  const engines = [...builders.entries()].filter(([builder]) => used.has(builder)).flatMap(([builder, { blocks }]) =>
    [...blocks.engines].map(([block, engine]): RunEngine => ({ builder, block, engine })),
  );
  // A cost budget can only fire when some engine has a price: say so rather than never stopping.
  if (settings.costBudget && !engines.some(({ engine }) => engine.hasPrice)) {
    const error = new ConfigError('`--cost-budget` needs prices: set `price: {input, output}` on the LM blocks or pass `--prices FILE`');
    if (!checkOnly) throw error;
    failed.push({ file: undefined, error });
  }
  const close = async (): Promise<void> => {
    const all = [...builders.values()].flatMap(({ blocks }) => [...blocks.engines.values()]);
    await Promise.all([...all.map((engine) => engine.model.close?.()), embedder.close()]);
    for (const cache of caches.values()) cache.close();
  };
  // In path order, whichever step set a task aside.
  failed.sort((left, right) => (left.file ?? '').localeCompare(right.file ?? ''));
  if (tasks.length === 0 && !checkOnly) {
    await close();
    throw failed.length === 1 ? failed[0]!.error : new ConfigError(`none of the ${failed.length} tasks could be loaded:\n${failed.map(({ error }) => `  ${error.message}`).join('\n')}`);
  }
  const enginesOf = (task: Task): readonly Engine[] => [...(blocksOf.get(task)?.engines.values() ?? [])];
  const builderOf = (task: Task): Builder<never> => {
    const builder = localBuilders.get(task);
    if (!builder) throw new Error(`the task \`${task.name}\` is not one of this run`);
    return builder;
  };
  return { tasks, engines, failed, found: foundCount, builders: [...triedBuilders].sort(), enginesOf, builderOf, close };
}

/** The response cache of a run that only checks its tasks: it keeps no answer. */
const keepsNothing: ResponseCache = { get: () => undefined, set: () => undefined, close: () => undefined };

/**
 * Holds once a task made `limit` generation attempts in this run (`--max-gen-requests`). Its reason is `stalled`: the
 * task stopped short of its target, as a stalled one does.
 */
function hasGenerationAttempts(limit: number): StopCriterion {
  const test = (progress: TaskProgress): boolean => progress.attempts >= limit;
  return Object.assign(test, {
    reason: 'stalled',
    describe: (progress: TaskProgress) => `${progress.attempts} generation attempts made: the \`--max-gen-requests\` limit (${limit}) with ${progress.accepted} records`,
  });
}

/**
 * The task with `runner_config.save_formatted_output` on, for `--save-formatted-output`.
 * @throws {ConfigError} naming the task file and its `formatter` field when the task has no formatter
 */
function withFormattedOutput(entry: LoadedTask): LoadedTask {
  const { spec, file, fieldPrefix } = entry;
  if (!spec.formatter) throw new ConfigError('`--save-formatted-output` needs a `formatter` in every task', { file, field: fieldPrefix ? `${fieldPrefix}.formatter` : 'formatter' });
  return { ...entry, spec: { ...spec, runner_config: { ...spec.runner_config, save_formatted_output: true } } };
}

/** Where a task of the run goes, with what its errors name. */
interface PlacedTask {
  readonly name: string;
  readonly file: string | undefined;
  readonly outputDir: string;
  /** The task's `store_name` (or its datastore's), when it has one. */
  readonly storeName: string | undefined;
  /** The task's folder, absolute. */
  readonly dir: string;
  /** The field naming the folder: `task_name`, `store_name` or `datastore.store_name` (under `tasks.<name>.` in the joint config). */
  readonly folderField: string;
  /** Absolute paths, each with the datastore field that places it. */
  readonly outputs: readonly PlacedOutput[];
}

/**
 * A task's folder and outputs, checked on their own: the folder inside its output folder, a usable dataloader
 * `fields` map (a bad one would surface only once the run starts, after a `--restart` deleted the task's data), outputs
 * off the task's own files and each other.
 *
 * @throws {ConfigError} naming the task file and the field
 */
function placeTask({ file, spec, fieldPrefix }: LoadedTask, outputDir: string): PlacedTask {
  const field = (name: string): string => (fieldPrefix ? `${fieldPrefix}.${name}` : name);
  // DGT's `store_name` moves the task's folder; records keep the task name.
  const storeName = spec.store_name ?? spec.datastore?.store_name;
  const storeNameField = spec.store_name ? 'store_name' : spec.datastore?.store_name ? 'datastore.store_name' : 'task_name';
  let dir: string;
  try {
    dir = taskFolder(outputDir, storeName ?? spec.task_name, field(storeNameField));
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    throw new ConfigError(error.message, { file, field: error.field, cause: error });
  }
  const fields = spec.dataloader?.type === 'default' ? spec.dataloader.fields : undefined;
  const problem = fields === undefined ? undefined : fieldsProblem(fields);
  if (problem !== undefined) throw new ConfigError(problem, { file, field: field('dataloader.fields') });
  const outputs = taskOutputs(spec, { outputDir, storeName: storeName ?? spec.task_name, storeNameField, file, fieldPrefix });
  return { name: spec.task_name, file, outputDir, storeName, dir, folderField: field(storeNameField), outputs };
}

/**
 * Checks the tasks of one run against each other, before anything is touched: no two share a folder; no task's folder
 * overlaps another's own files (its `blocks/`, where that task's rejections would mix with this one's files) or its
 * outputs; no output lands on another task's own files, nor two tasks' outputs on one file (an output that leaves its
 * own task's folder is the one at fault). A task folder nested in another (`a` and `a/b`: DGT task names with `/`)
 * is fine.
 *
 * @param report takes each problem, with the task at fault, and the check goes on; by default the first one is thrown
 * @throws {ConfigError} naming the file and field of the task at fault, and the other task's file and field
 */
function checkTasksApart(places: readonly PlacedTask[], report?: (place: PlacedTask, error: ConfigError) => void): void {
  const of = (place: PlacedTask, field: string): string => `task \`${place.name}\` (${place.file ?? 'no file'}, field \`${field}\`)`;
  const fail = (place: PlacedTask, field: string, message: string): void => {
    const error = new ConfigError(message, { file: place.file, field });
    if (report === undefined) throw error;
    report(place, error);
  };
  places.forEach((later, index) => {
    for (const earlier of places.slice(0, index)) {
      if (later.dir === earlier.dir) {
        fail(later, later.folderField, `the task's folder ${later.dir} is also the folder of ${of(earlier, earlier.folderField)}; two tasks may not share a folder`);
        continue;
      }
      for (const [place, other] of [[later, earlier], [earlier, later]] as const) {
        const own = bookkeepingAt(other.dir, place.dir);
        if (own !== undefined) fail(place, place.folderField, `the task's folder ${place.dir} would overlap the ${own} of ${of(other, other.folderField)}`);
        const output = other.outputs.find(({ output: { path } }) => within(path, place.dir));
        if (output !== undefined) fail(place, place.folderField, `the task's folder ${place.dir} would overlap the output ${output.output.path} of ${of(other, output.field)}`);
        for (const { output, field } of place.outputs) {
          const hit = bookkeepingAt(other.dir, output.path);
          if (hit !== undefined) fail(place, field, `the output ${output.path} would overwrite the ${hit} of ${of(other, other.folderField)}`);
        }
      }
      for (const mine of later.outputs) {
        const theirs = earlier.outputs.find(({ output }) => output.path === mine.output.path);
        if (theirs === undefined) continue;
        // The output that leaves its own task's folder is at fault; else the later task's.
        const earlierStrays = !within(earlier.dir, theirs.output.path) && within(later.dir, mine.output.path);
        const [place, field, other, otherField] = earlierStrays ? [earlier, theirs.field, later, mine.field] : [later, mine.field, earlier, theirs.field];
        fail(place, field, `the output ${mine.output.path} is also an output of ${of(other, otherField)}; two tasks may not write one file`);
      }
    }
  });
}

/** Whether `path` is `parent` or lies inside it (lexically). */
function within(parent: string, path: string): boolean {
  const inside = relative(parent, path);
  return !(inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside));
}
