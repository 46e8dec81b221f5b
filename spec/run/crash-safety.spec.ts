import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { DataPoint } from '../../lib/record.ts';
import { openJsonlLedgerStore } from '../../lib/store/jsonl-ledger-store.ts';
import { openSqliteLedgerStore } from '../../lib/store/sqlite-ledger-store.ts';
import type { TaskResult } from '../../lib/store/task-result.ts';
import { repoRoot } from '../cli/run-cli.ts';
import { readLines } from '../helpers/read-lines.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { tempDir } from '../helpers/temp-dir.ts';

type Kind = 'generation' | 'transformation';
type LedgerKind = 'jsonl' | 'sqlite';

/** What one run of spec/helpers/crash-child.ts printed before it ended or was killed. */
interface ChildRun {
  readonly emitted: readonly string[];
  readonly completed: boolean;
  readonly errors: readonly string[];
}

/** Runs the child; with `killAfterMs`, sends SIGKILL that long after it printed `ready`. */
function runChild(kind: Kind, ledger: LedgerKind, dir: string, killAfterMs?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'spec/helpers/crash-child.ts', kind, dir, ledger], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const emitted: string[] = [];
    const errors: string[] = [];
    let completed = false;
    let rest = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready' && killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        else if (line.startsWith('record ')) emitted.push(line.slice('record '.length));
        else if (line === 'complete') completed = true;
        else if (line.startsWith('error ')) errors.push(line);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => errors.push(chunk));
    child.on('error', reject);
    child.on('close', () => resolve({ emitted, completed, errors }));
  });
}

async function committed(ledger: LedgerKind, dir: string): Promise<DataPoint[]> {
  const store = ledger === 'jsonl' ? await openJsonlLedgerStore(dir) : openSqliteLedgerStore(dir);
  const records: DataPoint[] = [];
  for await (const { record } of store.records()) records.push(record);
  store.close();
  return records;
}

/** The records of the transformation, as `n.part`: every part of every row but the rejected sevenths. */
const expectedParts = Array.from({ length: 2000 }, (_, n) => n)
  .filter((n) => n % 7 !== 6)
  .flatMap((n) => Array.from({ length: (n % 3) + 1 }, (_, part) => `${n}.${part}`))
  .sort();

describe.each<LedgerKind>(['jsonl', 'sqlite'])('kill -9 at 20 random instants, then a rerun (%s ledger)', (ledger) => {
  test.each<Kind>(['generation', 'transformation'])('%s: no record lost, duplicated or torn', async (kind) => {
    const dir = tempDir();
    const taskDir = join(dir, kind === 'generation' ? 'geo' : 'rows');
    const random = seededRandom(kind === 'generation' ? 20 : 21);
    const emitted: string[] = [];
    let killedMidRun = 0;
    for (let kill = 0; kill < 20; kill += 1) {
      const run = await runChild(kind, ledger, dir, Math.floor(random() * 400));
      expect(run.errors).toEqual([]);
      emitted.push(...run.emitted);
      if (!run.completed) killedMidRun += 1;
    }
    const last = await runChild(kind, ledger, dir);
    expect(last.errors).toEqual([]);
    expect(last.completed).toBe(true);
    emitted.push(...last.emitted);
    // Most kills landed in the middle of a run (a later run has less left to do, so a few may find it done).
    expect(killedMidRun).toBeGreaterThanOrEqual(15);

    const records = await committed(ledger, taskDir);
    if (ledger === 'jsonl') {
      // No torn line: every line of every file the run appends to is whole JSON.
      for (const file of ['data.jsonl', 'dataloader_state.jsonl']) {
        const text = readFileSync(join(taskDir, file), 'utf8');
        expect(text.endsWith('\n')).toBe(true);
        for (const line of text.split('\n').slice(0, -1)) expect(() => JSON.parse(line)).not.toThrow();
      }
      expect(readLines(join(taskDir, 'data.jsonl'))).toEqual(records);
    }
    const keys = records.map((record) => (kind === 'generation' ? String(record['rxdgt_id']) : `${String(record['n'])}.${String(record['part'])}`));
    // Nothing twice.
    expect(new Set(keys).size).toBe(keys.length);
    if (kind === 'generation') {
      expect(records).toHaveLength(2000);
    } else {
      expect([...keys].sort()).toEqual(expectedParts);
      const rejections = ledger === 'jsonl' ? readLines(join(taskDir, 'blocks', 'sevens.jsonl')) : [];
      if (ledger === 'jsonl') expect(rejections.map((line) => line['n']).sort((left, right) => Number(left) - Number(right))).toEqual(Array.from({ length: 285 }, (_, index) => index * 7 + 6));
    }
    // Every record a run handed out is on disk: what was emitted was committed first.
    const onDisk = new Set(records.map((record) => (kind === 'generation' ? `${String(record['rxdgt_id'])} ${String(record['question'])}` : `${String(record['rxdgt_id'])} ${String(record['n'])}.${String(record['part'])}`)));
    for (const line of emitted) expect(onDisk.has(line)).toBe(true);
    expect(readLines<TaskResult>(join(taskDir, 'task_results.jsonl')).at(-1)).toMatchObject({ status: 'completed' });
  });
});
