import { appendFileSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { monitorSnapshot } from '../../lib/monitor/monitor-snapshot.ts';
import { applyEvent, emptyMonitorState } from '../../lib/monitor/monitor-state.ts';
import { RunFolderReader, readRunFolder } from '../../lib/monitor/read-run-folder.ts';
import { prepareRun } from '../../lib/run/prepare-run.ts';
import { runTasks } from '../../lib/run/run-tasks.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { geographyTask, runWithEvents } from './monitor-fixtures.ts';

/** Every file under `dir` with its size and modification time: what a read must leave as it was. */
function listing(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const stats = statSync(path, { throwIfNoEntry: false });
        files[relative(dir, path)] = stats ? `${stats.size} ${stats.mtimeMs}` : 'link';
      }
    }
  };
  walk(dir);
  return files;
}

const comparable = (state: ReturnType<typeof emptyMonitorState>, task: string) => {
  const found = monitorSnapshot(state, 0).tasks.find((entry) => entry.task === task)!;
  // No target: a task made in code (`createTask`) writes none to its card.
  return { status: found.status, accepted: found.accepted, rejected: found.rejected, usage: found.usage, rejects: found.rejects };
};

describe('readRunFolder', () => {
  it('reads the folders of a real run as its events tell it, nested task folders included, without writing', async () => {
    const dir = tempDir();
    // `geo` and `geo/nested`: the second task's folder lies inside the first's.
    const outer = geographyTask(dir, 'geo', 6);
    const inner = geographyTask(dir, 'geo/nested', 9);
    const events = await runWithEvents([outer, inner]);
    const live = events.reduce(applyEvent, emptyMonitorState());
    const before = listing(dir);
    const state = await readRunFolder(dir);
    expect(listing(dir)).toEqual(before);
    expect([...state.tasks.keys()].sort()).toEqual(['geo', 'geo/nested']);
    for (const name of ['geo', 'geo/nested']) expect(comparable(state, name)).toEqual(comparable(live, name));
    expect(comparable(state, 'geo/nested')).toMatchObject({ status: 'completed', accepted: 9 });
    expect(state.status).toBe('finished');
    const task = state.tasks.get('geo/nested')!;
    expect(task.acceptedSamples.at(-1)?.fields.map(([name]) => name)).toEqual(['question', 'answer', 'rxdgt_id']);
    expect(task.rejectedSamples.length).toBeGreaterThan(0);
    expect(monitorSnapshot(state, 0).tasks.find((entry) => entry.task === 'geo')!.ratePerSecond).toBeGreaterThan(0);
  });

  it('reads a simulated run of samples/geography-qa', async () => {
    const outputDir = tempDir();
    const run = await prepareRun({ taskPaths: ['samples/geography-qa'], simulated: true, outputDir });
    try {
      await lastValueFrom(runTasks(run.tasks), { defaultValue: undefined });
    } finally {
      await run.close();
    }
    const task = monitorSnapshot(await readRunFolder(outputDir), 0).tasks[0]!;
    expect(task).toMatchObject({ task: 'samples/geography_qa', status: 'completed', reason: 'complete', target: 20, accepted: 20 });
    // Inputs in flight when the target is met settle too: 20 or a few more.
    expect(task.attempts).toBeGreaterThanOrEqual(20);
    expect(task.usage.calls).toBeGreaterThanOrEqual(20);
  });

  it('waits for a torn last line, and reads only what the files gained', async () => {
    const dir = tempDir();
    await runWithEvents([geographyTask(dir, 'geo', 4)]);
    const reader = new RunFolderReader(dir);
    const first = (await reader.read()).tasks.get('geo')!;
    const [accepted, rejected] = [first.accepted, first.rejected];
    const data = join(dir, 'geo', 'data.jsonl');
    const rejections = join(dir, 'geo', 'blocks', 'generator.jsonl');
    appendFileSync(data, '{"task_name":"geo","question":"torn');
    appendFileSync(rejections, '{"issues":[{"code":"parse_failed","block":"generator","mess');
    expect((await reader.read()).tasks.get('geo')).toMatchObject({ accepted, rejected });
    appendFileSync(data, ' no more?","answer":"A."}\n');
    appendFileSync(rejections, 'age":"m"}]}\n{"issues":[{"code":"too_long","block":"judge","message":"m"}]}\n');
    const task = (await reader.read()).tasks.get('geo')!;
    expect(task).toMatchObject({ accepted: accepted + 1, rejected: rejected + 2 });
    expect(task.acceptedSamples.at(-1)?.fields).toEqual([
      ['question', 'torn no more?'],
      ['answer', 'A.'],
    ]);
    expect(task.rejects.get('judge')?.get('too_long')).toBe(1);
    // A file cut back (a resume repairing a crash) is read again from its start.
    writeFileSync(data, '{"question":"only one"}\n');
    expect((await reader.read()).tasks.get('geo')!.accepted).toBe(1);
  });

  it('tells an interrupted run from one still running in another process', async () => {
    const dir = tempDir();
    await runWithEvents([geographyTask(dir, 'geo', 4)]);
    const logs = join(dir, 'geo', 'logs.jsonl');
    appendFileSync(logs, `${JSON.stringify({ timestamp: new Date(5000).toISOString(), level: 'INFO', message: 'run started', event: 'run_started' })}\n`);
    let now = 10_000;
    const reader = new RunFolderReader(dir, { now: () => now });
    expect((await reader.read()).tasks.get('geo')).toMatchObject({ status: 'interrupted', startedAt: 5000, endedAt: undefined });
    expect((await reader.read()).status).toBe('interrupted');

    // A live holder of the folder's lock: this process.
    writeFileSync(join(dir, 'geo', '.rxdgt.lock.json'), JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() }));
    expect((await reader.read()).tasks.get('geo')!.status).toBe('running');
    now = 12_000;
    appendFileSync(join(dir, 'geo', 'data.jsonl'), '{"question":"a"}\n{"question":"b"}\n');
    const state = await reader.read();
    expect(state.status).toBe('running');
    expect(monitorSnapshot(state, 12_000).tasks[0]!.ratePerSecond).toBeCloseTo(1, 5);
  });

  it('follows no symbolic link out of the output folder', async () => {
    const outside = tempDir();
    await runWithEvents([geographyTask(outside, 'secret', 3)]);
    const dir = tempDir();
    mkdirSync(join(dir, 'geo'));
    writeFileSync(join(dir, 'geo', 'task_results.jsonl'), '');
    symlinkSync(join(outside, 'secret'), join(dir, 'linked'));
    symlinkSync(join(outside, 'secret', 'data.jsonl'), join(dir, 'geo', 'data.jsonl'));
    // A task's `blocks` folder that is a link: its rejection files are not read either.
    mkdirSync(join(outside, 'blocks'));
    writeFileSync(join(outside, 'blocks', 'dedup.jsonl'), `${JSON.stringify({ password: 'hunter2', issues: [{ code: 'duplicate', message: 'm', block: 'dedup' }] })}\n`);
    symlinkSync(join(outside, 'blocks'), join(dir, 'geo', 'blocks'));
    const state = await readRunFolder(dir);
    expect([...state.tasks.keys()]).toEqual(['geo']);
    expect(state.tasks.get('geo')!.accepted).toBe(0);
    expect(state.tasks.get('geo')!.rejected).toBe(0);
    expect(JSON.stringify(monitorSnapshot(state, Date.now()))).not.toContain('hunter2');
  });

  it("counts only the spans of the time the tasks' current runs cover (the telemetry folder holds older runs too)", async () => {
    const outside = tempDir();
    await runWithEvents([geographyTask(outside, 'geo', 2)]);
    const telemetryDir = tempDir();
    const span = (end: string, duration: number) =>
      JSON.stringify({ span_name: 'dgt.llm_call', run_id: 'r', status: 'ok', block: 'old', model: 'm', duration_ms: duration, end_time: end });
    writeFileSync(join(telemetryDir, 'traces.jsonl'), `${span('2020-01-01T00:00:00.000Z', 5000)}\n${span(new Date(Date.now() + 60_000).toISOString(), 40)}\n`);
    const state = await readRunFolder(outside, { telemetryDir });
    const engine = monitorSnapshot(state, Date.now()).engines.find((entry) => entry.engine === 'old: m')!;
    expect(engine).toMatchObject({ calls: 1 });
    expect(engine.latencyMs).toMatchObject({ max: 40 });
  });

  it('takes LM latencies from the dgt.llm_call spans of a telemetry folder, skipping other shapes', async () => {
    const dir = tempDir();
    const telemetryDir = tempDir();
    const span = (extra: Record<string, unknown>) => JSON.stringify({ span_name: 'dgt.llm_call', build_id: 'exp', run_id: 'r', status: 'ok', ...extra });
    writeFileSync(
      join(telemetryDir, 'traces.jsonl'),
      [
        span({ duration_ms: 100, block: 'generator', model: 'granite' }),
        span({ duration_ms: 300, block: 'generator', model: 'granite' }),
        span({ duration_ms: 5, block: 'generator', model: 'granite', cached: true }),
        span({ duration_ms: 900, block: 'generator', model: 'granite', status: 'error' }),
        span({ duration_ms: 50 }),
        JSON.stringify({ span_name: 'dgt.task', duration_ms: 99_999 }),
        'not json',
        '[1,2]',
        '{"span_name":"dgt.llm_call","duration_ms":7,"block":"gener',
      ].join('\n'),
    );
    writeFileSync(join(telemetryDir, 'traces.20250101T000000.jsonl'), `${span({ duration_ms: 200, block: 'generator', model: 'granite' })}\n`);
    const state = await readRunFolder(dir, { telemetryDir });
    const engine = monitorSnapshot(state, 0).engines.find((entry) => entry.engine === 'generator: granite')!;
    expect(engine).toMatchObject({ calls: 3, cachedCalls: 1, failedCalls: 1 });
    expect(engine.latencyMs).toMatchObject({ max: 300, mean: 200 });
    expect(monitorSnapshot(state, 0).engines.find((entry) => entry.engine === 'unknown')?.calls).toBe(1);
  });

  it('reads an empty or missing output folder as no task, and forgets a task whose folder went', async () => {
    expect((await readRunFolder(join(tempDir(), 'missing'))).tasks.size).toBe(0);
    const dir = tempDir();
    await runWithEvents([geographyTask(dir, 'geo', 2)]);
    const reader = new RunFolderReader(dir);
    expect((await reader.read()).tasks.size).toBe(1);
    rmSync(join(dir, 'geo'), { recursive: true });
    expect((await reader.read()).tasks.size).toBe(0);
  });
});
