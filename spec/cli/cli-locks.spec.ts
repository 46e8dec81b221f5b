/**
 * The task folder's lock through the CLI: a second run of a task while the first goes is refused (with or without
 * `--restart`) and changes nothing of the first's; a run killed with SIGKILL leaves a lock the next run takes over.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { geographyTask, lineCount, serverConfig, stderrLines, uniqueIds, wholeLines } from './cli-tasks.ts';
import { runCli, startCli } from './run-cli.ts';

const startServer = useTestServers();

describe('rxdgt run: two runs of one task into one output folder at once', () => {
  it('the second exits 1 naming the holder, with or without --restart; the first ends with exactly its target', async () => {
    // Slow (one call at a time) until the second runs are done, so the first is surely still running meanwhile.
    let released = false;
    const server = await startServer({ latencyMs: (index) => (index < 2 || released ? 0 : 400) });
    const dir = tempDir();
    const out = join(dir, 'out');
    const config = serverConfig(dir, server, { call_limit: 1 });
    const task = geographyTask(dir, 't', { runner_config: { num_outputs_to_generate: 30 } });
    const args = ['run', '--task-paths', task, '--config-path', config, '--output-dir', out];
    const data = join(out, 't', 'data.jsonl');

    const first = startCli(args);
    await waitFor(() => lineCount(data) >= 1);
    const holder = `process ${first.child.pid} on ${hostname()}`;

    const second = await runCli(args);
    expect(first.child.exitCode).toBe(null);
    expect(second.code).toBe(1);
    expect(stderrLines(second.stderr)).toEqual([expect.stringMatching(new RegExp(`^rxdgt: .*${join(out, 't')}: the task's folder is in use by ${holder}, running since `))]);

    // --restart would delete the first's files: it is refused before anything is removed.
    const before = readFileSync(data, 'utf8');
    const restart = await runCli([...args, '--restart']);
    expect(first.child.exitCode).toBe(null);
    expect(restart.code).toBe(1);
    expect(restart.stderr).toContain(holder);
    expect(readFileSync(data, 'utf8').startsWith(before)).toBe(true);

    released = true;
    const ended = await first.result;
    expect([ended.code, ended.stderr]).toEqual([0, '']);
    const records = wholeLines(data);
    expect(records).toHaveLength(30);
    uniqueIds(records);
    expect(readFileSync(join(out, 't', 'final_data.jsonl'), 'utf8')).toBe(readFileSync(data, 'utf8'));
    // Only the first run wrote a result and a card.
    expect(wholeLines(join(out, 't', 'task_results.jsonl'))).toEqual([expect.objectContaining({ status: 'completed', process_id: first.child.pid })]);
    expect(wholeLines(join(out, 't', 'task_card.jsonl'))).toHaveLength(1);
  });
});

describe('rxdgt run: a run killed with SIGKILL', () => {
  it('leaves a stale lock the next run takes over with a warning, completing to exactly the target, no id twice', async () => {
    let killed = false;
    const server = await startServer({ latencyMs: (index) => (index < 3 || killed ? 0 : 60_000) });
    const dir = tempDir();
    const out = join(dir, 'out');
    const config = serverConfig(dir, server, { call_limit: 2 });
    const task = geographyTask(dir, 't', { runner_config: { num_outputs_to_generate: 12 } });
    const args = ['run', '--task-paths', task, '--config-path', config, '--output-dir', out];
    const data = join(out, 't', 'data.jsonl');

    const first = startCli(args);
    await waitFor(() => lineCount(data) >= 3 && server.counters.inFlight > 0);
    const pid = first.child.pid;
    first.child.kill('SIGKILL');
    killed = true;
    expect((await first.result).signal).toBe('SIGKILL');
    // The dead run's details are still there; its kernel lock is gone.
    expect(JSON.parse(readFileSync(join(out, 't', '.rxdgt.lock.json'), 'utf8'))).toMatchObject({ pid, host: hostname() });

    const rerun = await runCli(args);
    expect(rerun.code).toBe(0);
    const lines = stderrLines(rerun.stderr);
    expect(lines).toContain(`rxdgt: t: took over the lock of process ${pid} on ${hostname()}, which ended without releasing it`);
    // Anything else said is a crash repair.
    for (const line of lines) expect(line).toMatch(/^rxdgt: t: (took over the lock|repaired after a crash)/);
    const records = wholeLines(data);
    expect(records).toHaveLength(12);
    uniqueIds(records);
    expect(wholeLines(join(out, 't', 'task_results.jsonl')).at(-1)).toMatchObject({ status: 'completed', metrics: { 'Number of data produced': 12 } });
    const logged = wholeLines(join(out, 't', 'logs.jsonl'));
    expect(logged).toContainEqual(expect.objectContaining({ level: 'WARNING', message: expect.stringContaining(`took over the lock of process ${pid}`) }));
  });
});
