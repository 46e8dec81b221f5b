import { createHash } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import { isAbsolute, normalize } from 'node:path';
import { packageVersion } from '../package-version.ts';
import { redactSecrets } from '../redact-secrets.ts';
import type { DataPoint, Outcome } from '../record.ts';
import type { RunSettings } from '../run/prepare-run.ts';

/** The BullMQ queue every distributed run and worker of one Redis shares. */
export const queueName = 'rxdgt-inputs';

/** Redis key of a run's definition (its settings), by hash; kept a week after the last run that wrote it. */
export function definitionKey(hash: string): string {
  return `rxdgt:definition:${hash}`;
}

/**
 * Redis key that says a coordinator is alive (refreshed every few seconds, gone soon after it dies): a worker drops
 * the queued inputs of a coordinator that is gone instead of paying for them.
 */
export function coordinatorKey(runId: string): string {
  return `rxdgt:coordinator:${runId}`;
}

/** Seconds a coordinator's key outlives its last refresh. */
export const coordinatorSeconds = 120;

/** Seconds a definition stays in Redis after a coordinator wrote it. */
export const definitionSeconds = 7 * 24 * 3600;

/**
 * What a worker needs to make a run's tasks as the coordinator did: the run's settings (task files, joint config,
 * builder folders, every flag that shapes a builder or an engine) without the environment and the working
 * directory, which are the worker's own (its keys never travel through Redis), and the rxdgt version.
 */
export interface RunDefinition {
  readonly version: string;
  readonly settings: RunSettings;
}

/**
 * One job: a task's input for a worker to run its builder on (`input`), or records an earlier run made, to pass
 * through the builder first so that shared dedupe state knows them (`restore`).
 */
export interface InputJob {
  readonly version: string;
  /** Hash of the {@link RunDefinition}, the key a worker reads it at. */
  readonly run: string;
  readonly task: string;
  /** Hash of the task's definition as the coordinator loaded it (see {@link taskDefinitionHash}). */
  readonly definition: string;
  /** The task and run this input belongs to: names shared state (dedupe) and prefixes the job id. */
  readonly scope: string;
  /** The coordinator's run id (see {@link coordinatorKey}). */
  readonly coordinator: string;
  readonly kind: 'input' | 'restore';
  readonly outcomes: readonly Outcome<unknown>[];
}

/** What a worker returns for a job: the outcomes of its input, and which worker made them. */
export interface InputJobResult {
  readonly worker: string;
  readonly outcomes: readonly Outcome<DataPoint>[];
}

/** The definition of a run as the coordinator sends it: settings that are the worker's own left out. */
export function runDefinitionOf(settings: RunSettings): RunDefinition {
  const { env: _env, cwd: _cwd, remote: _remote, ...shared } = settings;
  return { version: packageVersion(), settings: shared };
}

/** The settings that name files a worker reads (or, for `lmCache`, writes), with their flags. */
const pathSettings = [
  ['taskPaths', '--task-paths'],
  ['configPath', '--config-path'],
  ['builderPaths', '--include-builder-paths'],
  ['lmCache', '--lm-cache'],
  ['pricesPath', '--prices'],
  ['promptFilePath', '--prompt-file-path'],
] as const;

/**
 * Why a run's definition cannot go to workers, if it cannot: a file it names is absolute or leads out of the folder
 * it is relative to. Workers resolve each path under their own folder, and refuse anything else: what is in Redis
 * must not make a worker load modules or write files elsewhere.
 */
export function definitionPathProblem(settings: RunSettings): string | undefined {
  for (const [name, flag] of pathSettings) {
    const value = settings[name];
    for (const path of value === undefined ? [] : typeof value === 'string' ? [value] : value) {
      if (isAbsolute(path) || normalize(path).split(/[\\/]/)[0] === '..') {
        return `\`${flag} ${path}\` is not a path inside the run's folder: workers resolve the run's files under their own folder, so give paths relative to it (a checkout shared by the coordinator and the workers)`;
      }
    }
  }
  return undefined;
}

/** The hash a definition is kept under. */
export function runDefinitionHash(definition: RunDefinition): string {
  return sha256(stableStringify(definition)).slice(0, 32);
}

/**
 * A task's definition in a few hex digits: the rxdgt version, and the task and builder specs as loaded (the task
 * card). A worker whose copy of the task files loads differently refuses the coordinator's jobs.
 */
export function taskDefinitionHash(card: unknown): string {
  // Credentials apart: a worker's own keys (or a coordinator without them, `${VAR}` left as written) load the same task.
  return sha256(stableStringify({ version: packageVersion(), card: redactSecrets(card ?? null) })).slice(0, 32);
}

/** A BullMQ job id (no `:`) for one input of a task's run. */
export function inputJobId(scope: string, inputId: string): string {
  return `${scope}_${inputId}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
