/**
 * Runs that end badly, through the CLI: a torn last line left by a crash (repaired on the next run), a folder left
 * by another version of rxdgt (refused until --restart), a full disk (exit 1, nothing torn; the folder resumes
 * elsewhere), and Ctrl-C (the files agree with each other).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { geographyTask, lineCount, serverConfig, simulatedConfig, stderrLines, uniqueIds, wholeLines } from './cli-tasks.ts';
import { type CliResult, runCli, startCli } from './run-cli.ts';

const startServer = useTestServers();

/** Runs the geography task `t` in `out` with the simulated engine. */
function runSimulated(dir: string, out: string, target: number): Promise<CliResult> {
  return runCli(['run', '--task-paths', geographyTask(dir, 't'), '--config-path', simulatedConfig(dir), '--output-dir', out, '--num-outputs-to-generate', String(target)]);
}

/** `text` as a regular expression matching it literally. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** rxdgt's bookkeeping in a `dataloader_state.jsonl` line: one commit. */
interface Commit {
  readonly version: number;
  readonly records: number;
  readonly data_bytes: number;
  readonly next: number;
  readonly unsettled: readonly number[];
}

/** The rxdgt bookkeeping of the last `dataloader_state.jsonl` line. */
function lastCommit(taskDir: string): Commit {
  return wholeLines(join(taskDir, 'dataloader_state.jsonl')).at(-1)!['rxdgt'] as Commit;
}

describe('rxdgt run: a torn last line from a crash', () => {
  it.each([
    ['data.jsonl', 'records written without their commit (the run was killed mid-write)'],
    ['dataloader_state.jsonl', 'a torn last line'],
  ])('of %s: the rerun cuts it with a warning naming the file and completes to the exact count', async (file, what) => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const taskDir = join(out, 't');
    expect((await runSimulated(dir, out, 5)).code).toBe(0);
    appendFileSync(join(taskDir, file), '{"task_name":"t","question":"half a li');

    const rerun = await runSimulated(dir, out, 8);
    expect(rerun.code).toBe(0);
    expect(stderrLines(rerun.stderr)).toEqual([expect.stringMatching(new RegExp(`^rxdgt: t: repaired after a crash: ${join(taskDir, file)}: removed ${escape(what)} \\(\\d+ bytes\\)$`))]);
    const records = wholeLines(join(taskDir, 'data.jsonl'));
    expect(records).toHaveLength(8);
    uniqueIds(records);
    expect(wholeLines(join(taskDir, 'dataloader_state.jsonl')).length).toBeGreaterThan(0);
    expect(lastCommit(taskDir)).toMatchObject({ records: 8, data_bytes: statSync(join(taskDir, 'data.jsonl')).size });
    expect(readFileSync(join(taskDir, 'final_data.jsonl'), 'utf8')).toBe(readFileSync(join(taskDir, 'data.jsonl'), 'utf8'));
  });

  it('of a data.jsonl DGT wrote (no bookkeeping): cut with a warning; its whole records count', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const taskDir = join(out, 't');
    const dgt = ['{"task_name":"t","is_seed":false,"question":"Q1?","answer":"A1."}', '{"task_name":"t","is_seed":false,"question":"Q2?","answer":"A2."}'];
    mkdirSync(taskDir, { recursive: true });
    writeFileSync(join(taskDir, 'data.jsonl'), `${dgt.join('\n')}\n{"task_name":"t","question":"ha`);
    const rerun = await runSimulated(dir, out, 5);
    expect(rerun.code).toBe(0);
    expect(stderrLines(rerun.stderr)).toEqual([`rxdgt: t: repaired after a crash: ${join(taskDir, 'data.jsonl')}: removed a torn last line (31 bytes)`]);
    const records = wholeLines(join(taskDir, 'data.jsonl'));
    expect(records).toHaveLength(5);
    expect(records.slice(0, 2)).toEqual(dgt.map((line) => JSON.parse(line)));
    uniqueIds(records.slice(2));
    // The scan of DGT's records was committed at once, before anything was appended; the run's commits follow.
    expect(wholeLines(join(taskDir, 'dataloader_state.jsonl'))[0]).toEqual({
      rxdgt: { version: 2, records: 2, rejected: 0, next: 2, unsettled: [], data_bytes: Buffer.byteLength(`${dgt.join('\n')}\n`), block_bytes: {} },
    });
    expect(records.slice(2).every((record) => Number(String(record['rxdgt_id']).split('-')[0]) >= 2)).toBe(true);
    expect(lastCommit(taskDir)).toMatchObject({ version: 2, records: 5, data_bytes: statSync(join(taskDir, 'data.jsonl')).size });
  });
});

describe('rxdgt run: a folder written by another version of rxdgt', () => {
  it('exits 2 naming dataloader_state.jsonl and saying to restart; --restart starts over', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const taskDir = join(out, 't');
    const state = join(taskDir, 'dataloader_state.jsonl');
    expect((await runSimulated(dir, out, 3)).code).toBe(0);
    const lines = wholeLines(state);
    const { rxdgt, ...position } = lines.at(-1)! as { rxdgt: Commit };
    // The line an older rxdgt wrote: version 1, with its own fields.
    const older = { ...position, rxdgt: { version: 1, records: rxdgt.records, rejected: 0, settled_below: rxdgt.next, settled_above: [], data_bytes: rxdgt.data_bytes } };
    writeFileSync(state, [...lines.slice(0, -1), older].map((line) => `${JSON.stringify(line)}\n`).join(''));
    const data = readFileSync(join(taskDir, 'data.jsonl'));

    const refused = await runSimulated(dir, out, 5);
    expect([refused.code, stderrLines(refused.stderr)]).toEqual([2, [`rxdgt: ${state}: was written by another version of rxdgt; start over with --restart`]]);
    expect(readFileSync(join(taskDir, 'data.jsonl'))).toEqual(data);

    const restarted = await runCli(['run', '--task-paths', geographyTask(dir, 't'), '--config-path', simulatedConfig(dir), '--output-dir', out, '--num-outputs-to-generate', '5', '--restart']);
    expect([restarted.code, restarted.stderr]).toEqual([0, '']);
    expect(wholeLines(join(taskDir, 'data.jsonl'))).toHaveLength(5);
    expect(lastCommit(taskDir)).toMatchObject({ version: 2, records: 5 });
  });
});

describe('rxdgt run: a full disk', () => {
  // Not a tempDir(): it must be unmounted before it is removed.
  let mountPoint = '';
  let mounted = false;
  afterAll(() => {
    if (mounted) execFileSync('umount', [mountPoint]);
    if (mountPoint) rmSync(mountPoint, { recursive: true, force: true });
  });

  it('exits 1 naming the full file, tears no line, and the folder copied elsewhere resumes to the exact target', async (context) => {
    mountPoint = mkdtempSync(join(tmpdir(), 'rxdgt-tmpfs-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=200k', 'tmpfs', mountPoint], { stdio: 'ignore' });
      mounted = true;
    } catch {
      context.skip('mounting a tmpfs needs root');
    }
    const dir = tempDir();
    const target = 4000;
    const full = await runSimulated(dir, mountPoint, target);
    expect(full.code).toBe(1);
    expect(stderrLines(full.stderr)).toEqual([expect.stringMatching(new RegExp(`^rxdgt: run failed: ${mountPoint}/t/[\\w./]+: cannot append: the disk is full$`))]);
    const taskDir = join(mountPoint, 't');
    const made = wholeLines(join(taskDir, 'data.jsonl'));
    expect(made.length).toBeGreaterThan(0);
    expect(made.length).toBeLessThan(target);
    uniqueIds(made);
    expect(lastCommit(taskDir).records).toBe(made.length);

    const moved = join(dir, 'out');
    cpSync(taskDir, join(moved, 't'), { recursive: true });
    execFileSync('umount', [mountPoint]);
    mounted = false;
    const resumed = await runSimulated(dir, moved, target);
    expect([resumed.code, resumed.stderr]).toEqual([0, '']);
    const records = wholeLines(join(moved, 't', 'data.jsonl'));
    expect(records).toHaveLength(target);
    uniqueIds(records);
    // The records made before the disk filled are kept as they were.
    expect(records.slice(0, made.length)).toEqual(made);
    expect(wholeLines(join(moved, 't', 'task_results.jsonl')).at(-1)).toMatchObject({
      status: 'completed',
      metrics: { 'Number of data produced': target, records_restored: made.length },
    });
  });
});

describe('rxdgt run: Ctrl-C', () => {
  it('exit 1; the result, final_data.jsonl and the last commit all agree with data.jsonl', async () => {
    // Three quick answers, then calls that would hang for a minute.
    const server = await startServer({ latencyMs: (index) => (index < 3 ? 0 : 60_000) });
    const dir = tempDir();
    const out = join(dir, 'out');
    const taskDir = join(out, 't');
    const data = join(taskDir, 'data.jsonl');
    const task = geographyTask(dir, 't', { runner_config: { num_outputs_to_generate: 20 } });
    const { child, result } = startCli(['run', '--task-paths', task, '--config-path', serverConfig(dir, server), '--output-dir', out]);
    await waitFor(() => lineCount(data) === 3 && server.counters.inFlight > 0);
    child.kill('SIGINT');
    const { code, signal, stderr } = await result;
    expect({ code, signal, stderr }).toEqual({ code: 1, signal: null, stderr: '' });

    const records = wholeLines(data);
    expect(records).toHaveLength(3);
    uniqueIds(records);
    expect(wholeLines(join(taskDir, 'task_results.jsonl')).at(-1)).toMatchObject({ status: 'cancelled', metrics: { 'Number of data produced': records.length } });
    expect(readFileSync(join(taskDir, 'final_data.jsonl'))).toEqual(readFileSync(data));
    const commit = lastCommit(taskDir);
    expect(commit).toMatchObject({ records: records.length, data_bytes: statSync(data).size });
    // The inputs settled (below `next`, but for those `unsettled`): at least one per record (an input makes at most
    // one), and each record's input among them.
    expect(commit.unsettled.every((sequence) => sequence < commit.next)).toBe(true);
    expect(commit.next - commit.unsettled.length).toBeGreaterThanOrEqual(records.length);
    for (const record of records) {
      const sequence = Number(String(record['rxdgt_id']).split('-')[0]);
      expect({ sequence, settled: sequence < commit.next && !commit.unsettled.includes(sequence) }).toEqual({ sequence, settled: true });
    }
    expect(wholeLines(join(taskDir, 'logs.jsonl')).at(-1)).toMatchObject({ event: 'run_finished', status: 'cancelled' });
  });
});
