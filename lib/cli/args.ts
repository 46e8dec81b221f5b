import { ConfigError } from '../errors/config-error.ts';
import { checkRedisUrl } from '../distributed/redis-connection.ts';
import type { RunSettings } from '../run/prepare-run.ts';
import { type CatalogTopic, catalogTopics } from './catalog.ts';

/**
 * The `rxdgt` command line, parsed: `run` (`debug`, DGT's `--debug`, prints every log line, not only warnings),
 * `validate` (the same settings, only checked), `list` (the topics asked for, all when none; `json` for JSON), `help`
 * and `version`.
 */
export type CliCommand =
  | { readonly command: 'run'; readonly settings: RunSettings; readonly debug?: true; readonly log?: LogOptions; readonly monitor?: number; readonly queue?: string }
  | { readonly command: 'worker'; readonly queue: string; readonly concurrency?: number; readonly lockDuration?: number }
  | { readonly command: 'monitor'; readonly outputDir: string; readonly port?: number; readonly telemetryDir?: string }
  | { readonly command: 'validate'; readonly settings: RunSettings }
  | { readonly command: 'preview'; readonly settings: RunSettings; readonly limit: number; readonly keep?: true; readonly debug?: true }
  | { readonly command: 'list'; readonly topics: readonly CatalogTopic[]; readonly json?: true }
  | { readonly command: 'help' }
  | { readonly command: 'version' };

/** How the run's log lines are written: `quiet` keeps errors only; `json` writes one JSON object per line. */
export interface LogOptions {
  readonly quiet?: true;
  readonly json?: true;
}

/** DGT's builder namespaces (the folders of its package) rxdgt has builders from: `core/conversation` and the `public` ones. */
const knownNamespaces = ['core', 'public'];

export const usage = `Usage: rxdgt run --task-paths <files or dirs...> [options]
       rxdgt --task-paths <files or dirs...> [options]   (DGT's form: same as \`run\`)
       rxdgt validate --task-paths <files or dirs...> [options]
       rxdgt preview --task-paths <files or dirs...> [--limit <n>] [--keep] [options]
       rxdgt list [builders|blocks|engines|formatters...] [--json]
       rxdgt monitor <output_dir> [--port <n>] [--telemetry-dir <dir>]
       rxdgt worker --queue <redis://host:port[/db]> [--concurrency <n>] [--lock-duration <seconds>]
       rxdgt --version

A .env file in the working directory is loaded first; variables already set win.

validate loads every task, builder and joint config the same run would, and checks them without any LM call or
network access, writing nothing: each problem is one line naming the file and the field, then a summary line.
preview runs the first inputs of each task (5, or --limit <n>) through the real pipeline into a temporary folder
(removed afterwards; --keep keeps it and prints its path), then prints per task the sample's records and rejects and
an estimate of the whole run from it: LM calls, tokens, cost and a lower bound of the wall time.
monitor serves a page on 127.0.0.1 showing the runs under an output folder (live while a run writes it, or after it
ended or crashed): each task's progress, rates, ETA, rejects by block and reason, tokens, cost, LM latency, admission
state and sample records. \`run --monitor [port]\` serves the same page for the run it starts, fed live.
run --queue <redis://...> runs the tasks on workers: this process plans each task's inputs, keeps its files and
stop criteria, and sends each input to a BullMQ queue; \`rxdgt worker --queue <same URL>\` processes (any number, on
any machine with the same task files at the same paths and their own keys) run the builders and send back the
outcomes. Admission limits and dedupe state are shared in Redis; a worker killed mid-input has it run by another.
list prints the built-in builders (kind, task fields), block types (summary, fields, inputs), LM engine types
(fields) and formatters, with each field's type and default; --json prints them as JSON.

Options:
  --task-paths <paths...>        task files, or directories walked for task.yaml (optional with --config-path)
  --num-outputs-to-generate <n>  records per generation task (overrides runner_config)
  --simulated                    every LM block answers with the offline \`simulated\` engine (texts start with [simulated])
  --batch                        LM blocks of openai, azure-openai and anthropic type go through the provider's batch jobs (half price)
  --restart                      start every task over instead of resuming
  --save-formatted-output        also write formatted_data through each task's formatter (sets runner_config)
  --seed <n>                     seed of every random draw: a rerun with the same seed repeats them
  --output-dir <dir>             parent folder of every task's output (default: $DGT_OUTPUT_DIR or output)
  --config-path <file>           DGT joint config: databuilders/tasks/task_files overrides
  --seed-batch-size <n>          seeds per generation input (overrides runner_config.seed_batch_size)
  --machine-batch-size <n>       machine-made records mixed into each input, 0 for none (overrides runner_config)
  --max-gen-requests <n>         stop a generation task after this many generation attempts (status stalled)
  --max-stalled-requests <n>     stop a generation task after this many attempts in a row made no record (default 100)
  --num-prompt-instructions <n>  in-context examples per prompt of public/instructlab/simple (DGT's flag)
  --prompt-file-path <file>      the prompt template of public/instructlab/simple (DGT's flag)
  --include-namespaces <names...>  DGT builder namespaces to load (${knownNamespaces.join(', ')}); every one is always loaded
  --debug                        print every log line (info and each LM call included) on stderr
  --quiet                        print errors only (no progress, no warnings); the summary table still prints
  --log-format <text|json>       log lines on stderr as text (default) or one JSON object per line
  --queue <redis://host:port>    run only: run the builders on \`rxdgt worker\` processes over this Redis (BullMQ)
  --concurrency <n>              worker only: inputs the worker runs at once (default 64)
  --lock-duration <seconds>      worker only: how soon another worker takes the inputs of one that died (default 30)
  --monitor [port]               run only: serve the live monitor page on 127.0.0.1 (any free port when none given)
  --build-id <id>                experiment id written to task_results.jsonl (default: exp)
  --include-builder-paths <dirs...>  your own builders: \`pipeline:\` builder YAMLs and .ts/.js builder modules
  --lm-cache <file>              SQLite cache of LM answers for blocks without lm_cache (a rerun makes no repeat calls)
  --prices <file>                YAML/JSON prices, USD per million tokens: {<model_id>: {input: 2.5, output: 10}}
  --token-budget <n>             stop every task once its LM calls used this many tokens
  --cost-budget <usd>            stop every task once its LM calls cost this many US dollars
  --limit <n>                    preview only: inputs per task (default 5)
  --keep                         preview only: keep the sample's temporary output folder
  --port <n>                     monitor only: the page's port (default: any free port)
  --telemetry-dir <dir>          monitor only: where the run wrote traces.jsonl (default: $DGT_TELEMETRY_DIR or telemetry)
  -h, --help                     show this help
  -V, --version                  print the version of rxdgt

Exit codes: 0 done, 1 run failed, 2 bad input.`;

/**
 * The value of `flag` as a whole number of 1 or more. Digits only: Number() would also read `1e3`, `0x10` and `2.0`.
 * @throws {ConfigError} naming the flag
 */
function wholeNumberFlag(flag: string, text: string): number {
  const count = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 1) throw new ConfigError(`\`${flag}\` must be a whole number of 1 or more, received \`${text}\``);
  return count;
}

/**
 * The value of `flag` as a whole number of 0 or more.
 * @throws {ConfigError} naming the flag
 */
function countFlag(flag: string, text: string): number {
  const count = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(count)) throw new ConfigError(`\`${flag}\` must be a whole number of 0 or more, received \`${text}\``);
  return count;
}

/**
 * The value of `flag` as a seed: a whole number from 0 to 2^32 - 1.
 * @throws {ConfigError} naming the flag
 */
function seedFlag(flag: string, text: string): number {
  const seed = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(seed) || seed > 2 ** 32 - 1) throw new ConfigError(`\`${flag}\` must be a whole number from 0 to 4294967295, received \`${text}\``);
  return seed;
}

/**
 * The value of `flag` as an amount of US dollars above 0, in plain decimals.
 * @throws {ConfigError} naming the flag
 */
function secondsFlag(flag: string, text: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds > 0)) throw new ConfigError(`\`${flag}\` must be a number of seconds above 0, received \`${text}\``);
  return seconds;
}

function amountFlag(flag: string, text: string): number {
  const usd = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(usd > 0)) throw new ConfigError(`\`${flag}\` must be an amount of US dollars above 0, received \`${text}\``);
  return usd;
}

/** The flag at `index` of `rest` (`--flag` or `--flag=value`), and `value()`: its value, inline or the next argument. */
function flagAt(rest: readonly string[], index: number, advance: (index: number) => void) {
  const [flag, inline] = (rest[index] as string).split(/=(.*)/s, 2) as [string, string | undefined];
  /** @throws {ConfigError} when the flag has no value (none, empty, or another flag next) */
  const value = (): string => {
    const next = inline ?? rest[index + 1];
    if (next === undefined || next === '' || (inline === undefined && next.startsWith('--'))) throw new ConfigError(`\`${flag}\` needs a value`);
    if (inline === undefined) advance(index + 1);
    return next;
  };
  return { flag, inline, value };
}

/**
 * Parses `rxdgt run ...`, or DGT's bare form `rxdgt --task-paths ...` (flags without a command mean `run`). Like DGT,
 * `--task-paths` and `--include-namespaces` take every following argument up to the next flag; `--restart-generation`
 * is an alias of `--restart`. `--task-paths` may be left out when `--config-path` is given (its tasks then run).
 * `rxdgt validate ...` takes the same flags (it checks what that run would load), as does `rxdgt preview ...` (with
 * `--limit <n>`, inputs per task, and `--keep`); `rxdgt list [topics...] [--json]`
 * names what to list; `--version` (`-V`) asks for the version.
 *
 * ## Example
 * ```ts
 * parseArgs(['--task-paths', 'samples/geography-qa', '--max-stalled-requests', '3']);
 * // { command: 'run', settings: { taskPaths: ['samples/geography-qa'], maxStalledRequests: 3 } }
 * ```
 * @throws {ConfigError} for an unknown flag or a bad value, naming the flag
 */
export function parseArgs(argv: readonly string[]): CliCommand {
  const [command, ...afterCommand] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') return { command: 'help' };
  if (command === 'list') return parseList(afterCommand);
  if (command === 'monitor') return parseMonitor(afterCommand);
  if (command === 'worker') return parseWorker(afterCommand);
  const bare = command.startsWith('-');
  if (!bare && command !== 'run' && command !== 'validate' && command !== 'preview') {
    throw new ConfigError(`unknown command \`${command}\` (expected \`run\`, \`validate\`, \`preview\`, \`list\`, \`monitor\` or \`worker\`)`);
  }
  const rest = bare ? argv : afterCommand;
  const taskPaths: string[] = [];
  let debug = false;
  let quiet = false;
  let json = false;
  let monitor: number | undefined;
  let queue: string | undefined;
  let limit = 5;
  let keep = false;
  let settings: { -readonly [K in keyof RunSettings]: RunSettings[K] } = { taskPaths };
  for (let index = 0; index < rest.length; index += 1) {
    const { flag, inline, value } = flagAt(rest, index, (next) => (index = next));
    const runOnly = (): void => {
      if (command === 'validate' || command === 'preview') throw new ConfigError(`\`${flag}\` is an option of \`run\` only`);
    };
    // `--restart=false` must not quietly mean `--restart`.
    const noValue = (): void => {
      if (inline !== undefined) throw new ConfigError(`\`${flag}\` takes no value, received \`${inline}\``);
    };
    switch (flag) {
      case '--task-paths':
      case '--data-paths':
        if (inline !== undefined) taskPaths.push(inline);
        while (rest[index + 1] !== undefined && !(rest[index + 1] as string).startsWith('-')) taskPaths.push(rest[++index] as string);
        // An empty path (`--task-paths "$UNSET"`) would resolve to the working directory and run every task under it.
        if (taskPaths.includes('')) throw new ConfigError(`\`${flag}\` got an empty path`);
        break;
      case '--num-outputs-to-generate':
        settings = { ...settings, numOutputsToGenerate: wholeNumberFlag(flag, value()) };
        break;
      case '--token-budget':
        settings = { ...settings, tokenBudget: wholeNumberFlag(flag, value()) };
        break;
      case '--cost-budget':
        settings = { ...settings, costBudget: amountFlag(flag, value()) };
        break;
      case '--seed':
        settings = { ...settings, seed: seedFlag(flag, value()) };
        break;
      case '--lm-cache':
        settings = { ...settings, lmCache: value() };
        break;
      case '--prices':
        settings = { ...settings, pricesPath: value() };
        break;
      case '--restart':
      case '--restart-generation':
        noValue();
        settings = { ...settings, restart: true };
        break;
      case '--simulated':
        noValue();
        settings = { ...settings, simulated: true };
        break;
      case '--batch':
        noValue();
        settings = { ...settings, batch: true };
        break;
      case '--save-formatted-output':
        noValue();
        settings = { ...settings, saveFormattedOutput: true };
        break;
      case '--output-dir':
        settings = { ...settings, outputDir: value() };
        break;
      case '--config-path':
        settings = { ...settings, configPath: value() };
        break;
      case '--include-builder-paths': {
        // DGT takes several folders after one flag; the flag may also repeat.
        const paths = [...(settings.builderPaths ?? [])];
        paths.push(value());
        while (inline === undefined && rest[index + 1] !== undefined && !(rest[index + 1] as string).startsWith('-')) paths.push(rest[++index] as string);
        settings = { ...settings, builderPaths: paths };
        break;
      }
      case '--seed-batch-size':
        settings = { ...settings, seedBatchSize: wholeNumberFlag(flag, value()) };
        break;
      case '--machine-batch-size':
        settings = { ...settings, machineBatchSize: countFlag(flag, value()) };
        break;
      case '--max-gen-requests':
        settings = { ...settings, maxGenRequests: wholeNumberFlag(flag, value()) };
        break;
      case '--max-stalled-requests':
        settings = { ...settings, maxStalledRequests: wholeNumberFlag(flag, value()) };
        break;
      case '--num-prompt-instructions':
        settings = { ...settings, numPromptInstructions: wholeNumberFlag(flag, value()) };
        break;
      case '--prompt-file-path':
        settings = { ...settings, promptFilePath: value() };
        break;
      case '--include-namespaces': {
        // Every known namespace is always loaded: the flag only checks its names, so a typo is not silently ignored.
        const names = [value()];
        while (inline === undefined && rest[index + 1] !== undefined && !(rest[index + 1] as string).startsWith('-')) names.push(rest[++index] as string);
        const unknown = names.find((name) => !knownNamespaces.includes(name));
        if (unknown !== undefined) throw new ConfigError(`\`${flag}\`: unknown namespace \`${unknown}\` (known: ${knownNamespaces.join(', ')})`);
        break;
      }
      case '--debug':
        noValue();
        debug = true;
        break;
      case '--quiet':
        runOnly();
        noValue();
        quiet = true;
        break;
      case '--log-format': {
        runOnly();
        const format = value();
        if (format !== 'text' && format !== 'json') throw new ConfigError(`\`${flag}\` must be \`text\` or \`json\`, received \`${format}\``);
        json = format === 'json';
        break;
      }
      case '--monitor': {
        runOnly();
        // The port is optional: `--monitor 8123`, `--monitor=8123`, or `--monitor` alone (any free port).
        const next = inline ?? (/^\d+$/.test(rest[index + 1] ?? '') ? rest[++index] : undefined);
        monitor = next === undefined ? 0 : portFlag(flag, next);
        break;
      }
      case '--queue':
        runOnly();
        queue = value();
        checkRedisUrl(queue, flag);
        break;
      case '--build-id':
        settings = { ...settings, buildId: value() };
        break;
      case '--limit':
        if (command !== 'preview') throw new ConfigError(`\`${flag}\` is an option of \`preview\` only`);
        limit = wholeNumberFlag(flag, value());
        break;
      case '--keep':
        if (command !== 'preview') throw new ConfigError(`\`${flag}\` is an option of \`preview\` only`);
        noValue();
        keep = true;
        break;
      case '-h':
      case '--help':
        noValue();
        return { command: 'help' };
      case '-V':
      case '--version':
        noValue();
        return { command: 'version' };
      default:
        throw new ConfigError(`unknown option \`${flag}\`\n${usage}`);
    }
  }
  if (taskPaths.length === 0 && settings.configPath === undefined) {
    throw new ConfigError('`--task-paths` is required (or `--config-path` with tasks): give task files or directories');
  }
  if (debug && quiet) throw new ConfigError('`--debug` and `--quiet` ask for opposite things: give one');
  const log: LogOptions = { ...(quiet ? { quiet: true as const } : {}), ...(json ? { json: true as const } : {}) };
  const logged = quiet || json ? { log } : {};
  if (command === 'validate') return { command: 'validate', settings };
  if (command === 'preview') return { command: 'preview', settings, limit, ...(keep ? { keep: true as const } : {}), ...(debug ? { debug: true as const } : {}) };
  // The batch journal is a task folder's, which workers do not have.
  if (queue !== undefined && settings.batch) throw new ConfigError('`--batch` and `--queue` do not go together: provider batch jobs are kept in the task folder, which workers do not share; run a batch on one machine', { field: '--batch' });
  return { command: 'run', settings, ...(debug ? { debug: true as const } : {}), ...logged, ...(monitor === undefined ? {} : { monitor }), ...(queue === undefined ? {} : { queue }) };
}

/**
 * Parses what follows `rxdgt worker`: `--queue <url>` (required), `--concurrency <n>`, `--lock-duration <seconds>`.
 * @throws {ConfigError} for a missing or bad queue URL, an unknown flag or a bad number
 */
function parseWorker(rest: readonly string[]): CliCommand {
  let queue: string | undefined;
  let concurrency: number | undefined;
  let lockDuration: number | undefined;
  for (let index = 0; index < rest.length; index += 1) {
    const { flag, value } = flagAt(rest, index, (next) => (index = next));
    if (flag === '-h' || flag === '--help') return { command: 'help' };
    else if (flag === '--queue') checkRedisUrl((queue = value()), flag);
    else if (flag === '--concurrency') concurrency = wholeNumberFlag(flag, value());
    else if (flag === '--lock-duration') lockDuration = secondsFlag(flag, value()) * 1000;
    else throw new ConfigError(`unknown option \`${flag}\` of \`worker\` (it takes --queue, --concurrency and --lock-duration)`);
  }
  if (queue === undefined) throw new ConfigError('`worker` needs the Redis its runs enqueue on: rxdgt worker --queue redis://HOST:PORT', { field: '--queue' });
  if (lockDuration !== undefined && lockDuration < 1000) throw new ConfigError('`--lock-duration` must be at least 1 second', { field: '--lock-duration' });
  return { command: 'worker', queue, ...(concurrency === undefined ? {} : { concurrency }), ...(lockDuration === undefined ? {} : { lockDuration }) };
}

/**
 * The value of `flag` as a TCP port, 1 to 65535.
 * @throws {ConfigError} naming the flag
 */
function portFlag(flag: string, text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(port) || port < 1 || port > 65_535) throw new ConfigError(`\`${flag}\` must be a port from 1 to 65535, received \`${text}\``);
  return port;
}

/**
 * Parses what follows `rxdgt monitor`: the output folder, `--port <n>` and `--telemetry-dir <dir>`.
 * @throws {ConfigError} for a missing folder argument, an unknown flag or a bad port
 */
function parseMonitor(rest: readonly string[]): CliCommand {
  let outputDir: string | undefined;
  let port: number | undefined;
  let telemetryDir: string | undefined;
  for (let index = 0; index < rest.length; index += 1) {
    const { flag, value } = flagAt(rest, index, (next) => (index = next));
    if (flag === '-h' || flag === '--help') return { command: 'help' };
    else if (flag === '--port') port = portFlag(flag, value());
    else if (flag === '--telemetry-dir') telemetryDir = value();
    else if (flag.startsWith('-')) throw new ConfigError(`unknown option \`${flag}\` of \`monitor\` (it takes --port and --telemetry-dir)`);
    else if (outputDir === undefined) outputDir = flag;
    else throw new ConfigError(`\`monitor\` takes one output folder, received \`${outputDir}\` and \`${flag}\``);
  }
  if (outputDir === undefined || outputDir === '') throw new ConfigError('`monitor` needs the output folder of a run: rxdgt monitor <output_dir>');
  return { command: 'monitor', outputDir, ...(port === undefined ? {} : { port }), ...(telemetryDir === undefined ? {} : { telemetryDir }) };
}

/**
 * Parses what follows `rxdgt list`: the topics (none: every one) and `--json`.
 * @throws {ConfigError} for an unknown topic or flag
 */
function parseList(rest: readonly string[]): CliCommand {
  const topics = new Set<CatalogTopic>();
  let json = false;
  for (const argument of rest) {
    if (argument === '-h' || argument === '--help') return { command: 'help' };
    if (argument === '--json') json = true;
    else if ((catalogTopics as readonly string[]).includes(argument)) topics.add(argument as CatalogTopic);
    else if (argument.startsWith('-')) throw new ConfigError(`unknown option \`${argument}\` of \`list\` (it takes --json)`);
    else throw new ConfigError(`unknown list topic \`${argument}\` (known: ${catalogTopics.join(', ')})`);
  }
  // In the order of the help, whatever the order given.
  const chosen = topics.size === 0 ? catalogTopics : catalogTopics.filter((topic) => topics.has(topic));
  return { command: 'list', topics: chosen, ...(json ? { json: true as const } : {}) };
}
