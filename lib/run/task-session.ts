import { settledBelowOf } from '../store/ledger.ts';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import type { BatchJournal } from '../model/batch-api.ts';
import { describeFsCause } from '../errors/datastore-error.ts';
import { redactSecrets } from '../redact-secrets.ts';
import { clearTaskFolder } from '../store/clear-task-folder.ts';
import { openJsonlLedgerStore } from '../store/jsonl-ledger-store.ts';
import type { LedgerStore, Settlement } from '../store/ledger.ts';
import { openSqliteLedgerStore } from '../store/sqlite-ledger-store.ts';
import { type LogEntry, TaskFiles } from '../store/task-files.ts';
import { type Ledger, createLedger } from '../store/task-ledger.ts';
import { type TaskLock, lockTaskFolder } from '../store/task-lock.ts';
import { outputFile, taskFiles } from '../store/task-layout.ts';
import { inputFingerprint } from './input-fingerprint.ts';
import { type InputPlan, planInputs } from './input-plan.ts';
import type { ParsedTaskOptions, RunHooks } from './task-options.ts';

/** What a run holds while it goes: the folder's lock, its ledger, its input plan and its small files. */
export interface TaskSession {
  readonly ledger: Ledger;
  readonly plan: InputPlan;
  readonly files: TaskFiles;
  readonly runId: string;
  /** The task's pending provider batches (its ledger store's), for the batch models of its LM blocks. */
  readonly batches: BatchJournal | undefined;
  /** Appends a line to the task's `logs.jsonl` and tells the caller (`RunHooks.onLog`). */
  log(level: LogEntry['level'], message: string, extra?: Readonly<Record<string, unknown>>): void;
  /** Releases the ledger, the files and the lock. */
  close(): void;
}

/** What the run wants to hear from the session as it goes. */
export interface SessionCallbacks {
  /** Each settlement as it is committed (before its promise resolves), with the JSON texts of its records. */
  readonly onCommit: (settlement: Settlement, plan: InputPlan, texts: readonly string[]) => void;
  /** An input the plan held back may be ready. */
  readonly wake: () => void;
}

/**
 * Opens a run of a task on its folder: creates the folder, takes its lock (nothing is written before), starts it
 * over when asked, opens the ledger (which repairs what a crash left), writes the run's card and first log lines,
 * and plans the inputs from what earlier runs settled. The run id is the last card's for the same build id on a
 * resume (DGT's rule), a new one otherwise.
 *
 * @throws {ConfigError} for a folder that cannot be created; {TaskLockedError} when another run holds it
 */
export async function openTaskSession(options: ParsedTaskOptions, dir: string, hooks: RunHooks, callbacks: SessionCallbacks): Promise<TaskSession> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new ConfigError(`cannot create the task's folder: ${describeFsCause(error)}`, { file: dir, cause: error });
  }
  await previousRunEnded(dir);
  const lock = lockTaskFolder(dir);
  let store: LedgerStore | undefined;
  try {
    if (options.restart) clearTaskFolder(dir);
    else refuseOtherLedger(options.ledger, dir);
    sweepTemporaryFiles(dir);
    store = options.ledger === 'sqlite' ? openSqliteLedgerStore(dir) : await openJsonlLedgerStore(dir);
    const input = options.kind === 'transformation' ? inputFingerprint(options.data) : undefined;
    if (input !== undefined && store.summary.input !== undefined && store.summary.input !== input && store.summary.next > 0) {
      throw new ConfigError(
        `the input of task \`${options.name}\` changed since its last run (its records were made from other rows, and a resume skips rows by their place): start over with --restart`,
        { file: dir },
      );
    }
    const files = new TaskFiles(dir);
    const runId = (options.restart ? undefined : await files.previousRunId(options.buildId)) ?? randomUUID();
    const target = options.kind === 'generation' ? options.numOutputsToGenerate : undefined;
    let plan: InputPlan | undefined;
    const ledger = createLedger(store, {
      taskName: options.name,
      input,
      ...(target === undefined ? {} : { target }),
      concurrency: options.concurrency,
      positionOf: (sequence) => plan?.positionOf(sequence),
      onCommit: (settlement, texts) => {
        if (plan) callbacks.onCommit(settlement, plan, texts);
      },
    });
    plan = planInputs(options, ledger, options.seed ?? Math.floor(options.random() * 2 ** 32), callbacks.wake);
    const session = sessionOf(options, hooks, { lock, files, ledger, plan, runId, batches: store.pendingBatches });
    files.writeCard({
      task_name: options.name,
      databuilder_name: options.card?.databuilder_name,
      // Specs may hold an `api_key`: the card keeps everything else.
      task_spec: redactSecrets(options.card?.task_spec),
      databuilder_spec: redactSecrets(options.card?.databuilder_spec),
      build_id: options.buildId,
      run_id: runId,
      save_formatted_output: options.outputs.some((output) => output.transform !== undefined),
      process_id: process.pid,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ledger: store.kind,
    });
    if (lock.replaced) session.log('WARNING', `took over the lock of process ${lock.replaced.pid} on ${lock.replaced.host}, which ended without releasing it`);
    for (const repair of store.repairs) session.log('WARNING', `repaired after a crash: ${repair}`);
    const resumed = ledger.records > 0 || settledBelowOf(ledger.summary) > 0;
    session.log('INFO', resumed ? `resuming: ${ledger.records} records already made` : 'run started', {
      event: resumed ? 'run_resumed' : 'run_started',
      pid: process.pid,
      host: hostname(),
    });
    return session;
  } catch (error) {
    store?.close();
    lock.release();
    throw error;
  }
}

/** Runs of one task folder in this process, until they have ended (outputs written, lock released). */
const ending = new Map<string, Promise<void>>();

/**
 * Registers a run's end, so a new run of the same folder in this process waits for it instead of finding the lock
 * held (`take(n)` ends a run before its outputs are written).
 */
export function endingRun(dir: string, ended: Promise<void>): void {
  const settled = ended.then(
    () => undefined,
    () => undefined,
  );
  ending.set(dir, settled);
  void settled.then(() => {
    if (ending.get(dir) === settled) ending.delete(dir);
  });
}

async function previousRunEnded(dir: string): Promise<void> {
  await ending.get(dir);
}

/** A folder that holds the other kind of ledger: resuming would ignore its records, so say so. */
function refuseOtherLedger(kind: 'jsonl' | 'sqlite', dir: string): void {
  const other = kind === 'jsonl' ? taskFiles.sqlite : taskFiles.data;
  if (!existsSync(join(dir, other))) return;
  const named = kind === 'jsonl' ? '`datastore: {type: sqlite}`' : 'the default (JSONL) datastore';
  throw new ConfigError(`holds this task's records in ${other}, written with ${named}: keep that datastore, or start over with --restart`, { file: dir });
}

/** Temporary files of outputs a killed run was writing. */
function sweepTemporaryFiles(dir: string): void {
  for (const name of readdirSync(dir)) if (outputFile.test(name) && name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });
}

function sessionOf(
  options: ParsedTaskOptions,
  hooks: RunHooks,
  parts: { lock: TaskLock; files: TaskFiles; ledger: Ledger; plan: InputPlan; runId: string; batches: BatchJournal | undefined },
): TaskSession {
  const { lock, files, ledger, plan, runId, batches } = parts;
  return {
    ledger,
    plan,
    files,
    runId,
    batches,
    log(level, message, extra = {}) {
      const entry: LogEntry = {
        timestamp: new Date(options.scheduler.now()).toISOString(),
        level,
        message,
        ...extra,
        task_name: options.name,
        build_id: options.buildId,
        run_id: runId,
      };
      try {
        files.log(entry);
      } catch {
        // A log line that cannot be written (a full disk) must not hide the failure being logged.
      }
      hooks.onLog?.(entry);
    },
    close() {
      ledger.close();
      files.close();
      lock.release();
    },
  };
}
