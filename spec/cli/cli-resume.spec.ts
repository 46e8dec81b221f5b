/**
 * A task's bookkeeping across runs, through the CLI: `task_card.jsonl` (one card per run; the run id kept over
 * resumes of one build; no credential), `logs.jsonl` events, a transformation killed mid-way that resumes without
 * asking the model again for a row already committed, and one whose rows changed, which does not resume.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { filesUnder, geographyTask, lineCount, qaRows, rating, raterTask, serverConfig, stderrLines, uniqueIds, wholeLines } from './cli-tasks.ts';
import { generationRequests, promptOf, runCli, startCli } from './run-cli.ts';

const startServer = useTestServers();

describe('rxdgt run: task_card.jsonl and logs.jsonl', () => {
  it('one card per run; the run id is kept by a resume of the same build, new with --restart; no api_key anywhere', async () => {
    const secret = 'sk-card-secret-4242';
    const server = await startServer({ apiKey: secret });
    const dir = tempDir();
    const out = join(dir, 'out');
    const taskDir = join(out, 't');
    const config = serverConfig(dir, server, { api_key: secret });
    const args = ['run', '--task-paths', geographyTask(dir, 't'), '--config-path', config, '--output-dir', out];
    const cards = () => wholeLines(join(taskDir, 'task_card.jsonl'));
    const events = () => wholeLines(join(taskDir, 'logs.jsonl')).map((line) => line['event']);
    const outputs: string[] = [];
    const runOnce = async (...more: string[]) => {
      const result = await runCli([...args, ...more]);
      expect([result.code, result.stderr]).toEqual([0, '']);
      outputs.push(result.stdout);
      for (const file of filesUnder(out)) outputs.push(readFileSync(file).toString('latin1'));
    };

    await runOnce('--build-id', 'b1', '--num-outputs-to-generate', '3');
    // The key was in play: the server demands it.
    expect(generationRequests(server.requests)[0]?.headers.authorization).toBe(`Bearer ${secret}`);
    const [first] = cards();
    expect(first).toMatchObject({ task_name: 't', build_id: 'b1', run_id: expect.any(String), databuilder_name: 'public/examples/geography_qa' });
    expect(events()).toEqual(['run_started', 'run_finished']);

    await runOnce('--build-id', 'b1', '--num-outputs-to-generate', '5');
    expect(cards()).toEqual([first, expect.objectContaining({ build_id: 'b1', run_id: first!['run_id'] })]);
    expect(events()).toEqual(['run_started', 'run_finished', 'run_resumed', 'run_finished']);
    expect(wholeLines(join(taskDir, 'logs.jsonl')).at(-2)).toMatchObject({ message: 'resuming: 3 records already made', run_id: first!['run_id'] });

    // Another build resuming the same folder gets its own run id.
    await runOnce('--build-id', 'b2', '--num-outputs-to-generate', '6');
    const other = cards()[2];
    expect(other).toMatchObject({ build_id: 'b2' });
    expect(other!['run_id']).not.toBe(first!['run_id']);

    // --restart starts the folder over: one card, a new run id, even for build b1.
    await runOnce('--build-id', 'b1', '--restart', '--num-outputs-to-generate', '2');
    const restarted = cards();
    expect(restarted).toHaveLength(1);
    expect(restarted[0]).toMatchObject({ build_id: 'b1' });
    expect([first!['run_id'], other!['run_id']]).not.toContain(restarted[0]!['run_id']);
    expect(events()).toEqual(['run_started', 'run_finished']);
    expect(wholeLines(join(taskDir, 'task_results.jsonl'))).toEqual([expect.objectContaining({ run_id: restarted[0]!['run_id'], build_id: 'b1' })]);

    // The card keeps the block's settings, the key replaced.
    expect(JSON.stringify(restarted[0]!['databuilder_spec'])).toContain('"api_key":"***"');
    for (const text of outputs) expect(text.includes(secret)).toBe(false);
  });
});

describe('rxdgt run: a transformation killed with SIGKILL, then rerun', () => {
  it('rates every row exactly once and never asks again for a row already committed', async () => {
    let killed = false;
    const server = await startServer({ respond: rating, latencyMs: (index) => (index < 4 || killed ? 0 : 60_000) });
    const dir = tempDir();
    const out = join(dir, 'out');
    const data = join(out, 'r', 'data.jsonl');
    const rows = qaRows(12);
    const args = ['run', '--task-paths', raterTask(dir, 'r', rows), '--config-path', serverConfig(dir, server, { call_limit: 2 }), '--output-dir', out];

    const first = startCli(args);
    await waitFor(() => lineCount(data) >= 4 && server.counters.inFlight > 0);
    first.child.kill('SIGKILL');
    killed = true;
    expect((await first.result).signal).toBe('SIGKILL');
    const committed = wholeLines(data).map((record) => String(record['question']));
    expect(committed.length).toBeGreaterThanOrEqual(4);
    expect(committed.length).toBeLessThan(12);

    const rerun = await runCli(args);
    expect(rerun.code).toBe(0);
    const records = wholeLines(data);
    expect(records).toHaveLength(12);
    uniqueIds(records);
    expect(records.map((record) => record['question']).sort()).toEqual(rows.map((row) => row.question).sort());
    for (const record of records) expect(record).toMatchObject({ ratings: { knowledge: 'world geography', difficulty: 'easy' } });

    // One request per committed row over both runs; a row in flight at the kill may have been asked twice.
    const prompts = generationRequests(server.requests).map(promptOf);
    for (const question of committed) expect({ question, asked: prompts.filter((prompt) => prompt.includes(question)).length }).toEqual({ question, asked: 1 });
    for (const { question } of rows) expect(prompts.some((prompt) => prompt.includes(question))).toBe(true);
    expect(wholeLines(join(out, 'r', 'task_results.jsonl')).at(-1)).toMatchObject({
      status: 'completed',
      metrics: { 'Number of data produced': 12, records_restored: committed.length },
    });
  });
});

describe('rxdgt run: a transformation whose rows changed since its last run', () => {
  it('exits 2 saying so, without touching the folder; --restart starts over with the new rows', async () => {
    const server = await startServer({ respond: rating });
    const dir = tempDir();
    const out = join(dir, 'out');
    const taskDir = join(out, 'r');
    const config = serverConfig(dir, server);
    const run = (rows: number, ...more: string[]) => runCli(['run', '--task-paths', raterTask(dir, 'r', qaRows(rows)), '--config-path', config, '--output-dir', out, ...more]);
    expect((await run(3)).code).toBe(0);
    expect(wholeLines(join(taskDir, 'data.jsonl'))).toHaveLength(3);
    const fingerprint = (wholeLines(join(taskDir, 'dataloader_state.jsonl')).at(-1)!['rxdgt'] as { input?: unknown }).input;
    expect(fingerprint).toMatch(/^[0-9a-f]+$/);
    const data = readFileSync(join(taskDir, 'data.jsonl'));

    // Rows are skipped by their place on a resume: an inserted row would shift every row after it.
    const changed = await run(4);
    expect([changed.code, stderrLines(changed.stderr)]).toEqual([
      2,
      [`rxdgt: ${taskDir}: the input of task \`r\` changed since its last run (its records were made from other rows, and a resume skips rows by their place): start over with --restart`],
    ]);
    expect(readFileSync(join(taskDir, 'data.jsonl'))).toEqual(data);

    const restarted = await run(4, '--restart');
    expect([restarted.code, restarted.stderr]).toEqual([0, '']);
    expect(wholeLines(join(taskDir, 'data.jsonl'))).toHaveLength(4);
    const commit = wholeLines(join(taskDir, 'dataloader_state.jsonl')).at(-1)!['rxdgt'] as { input?: unknown };
    expect(commit).toMatchObject({ records: 4, next: 4, unsettled: [] });
    expect(commit.input).not.toBe(fingerprint);
  });
});
