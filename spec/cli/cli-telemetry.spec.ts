import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { geographyTask, serverConfig } from './cli-tasks.ts';
import { runCli, summaryTable } from './run-cli.ts';

/** The JSON lines of a file. */
function jsonLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const startServer = useTestServers();

describe('rxdgt run: telemetry, log levels and the monitor flag', () => {
  it("writes DGT's events.jsonl and traces.jsonl to DGT_TELEMETRY_DIR: the run, the task and a span per LM call", async () => {
    const dir = tempDir();
    const telemetry = join(dir, 'telemetry');
    const { code, stdout } = await runCli(['run', '--task-paths', geographyTask(dir, 'geo'), '--simulated', '--output-dir', join(dir, 'out'), '--num-outputs-to-generate', '4', '--seed', '4'], {
      DGT_TELEMETRY_DIR: telemetry,
    });
    expect(code).toBe(0);
    const events = jsonLines(join(telemetry, 'events.jsonl'));
    // The lifecycle, with a line per rejected record (the simulated engine repeats itself: duplicates) in between.
    const lifecycle = events.map((event) => event['event']).filter((event) => event !== 'data_point_rejected');
    expect(lifecycle).toEqual(['run_started', 'task_started', 'task_finished', 'run_finished']);
    const rejected = events.filter((event) => event['event'] === 'data_point_rejected');
    expect(rejected).toHaveLength(Number(summaryTable(stdout).rows[0]?.['rejected']));
    expect(events.find((event) => event['event'] === 'task_finished')).toMatchObject({ task_name: 'geo', status: 'completed', build_id: 'exp' });
    const spans = jsonLines(join(telemetry, 'traces.jsonl'));
    const calls = spans.filter((span) => span['span_name'] === 'dgt.llm_call');
    // A span per call, answered by the model or by the cache (the summary's LM calls leave cached answers out).
    const metrics = jsonLines(join(dir, 'out', 'geo', 'task_results.jsonl'))[0]?.['metrics'] as Record<string, number>;
    expect(calls).toHaveLength(metrics['lm_calls']! + metrics['lm_calls_cached']!);
    expect(calls.filter((span) => span['cached'] === true)).toHaveLength(metrics['lm_calls_cached']!);
    // `--simulated` keeps the memory cache of the engine it stands in for: with this seed two prompts come again.
    expect(metrics['lm_calls_cached']).toBe(2);
    expect(Number(summaryTable(stdout).rows[0]?.['LM calls'])).toBe(metrics['lm_calls']);
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(calls[0]).toMatchObject({ provider: 'simulated', block: 'generator', status: 'ok' });
    expect(spans.map((span) => span['span_name'])).toEqual(expect.arrayContaining(['dgt.block', 'dgt.task', 'dgt.run']));
    // No payloads unless asked.
    expect(calls[0]).not.toHaveProperty('messages');
  });

  it("an LM call's span is the model's latency, its wait for admission apart, as DGT's `semaphore_wait_ms`", async () => {
    const server = await startServer({ latencyMs: 40 });
    const dir = tempDir();
    const telemetry = join(dir, 'telemetry');
    const task = geographyTask(dir, 'geo', { runner_config: { num_outputs_to_generate: 6 } });
    // 300 requests a minute: admission paces the calls 200 ms apart, so most of them wait before they are sent.
    const config = serverConfig(dir, server, { rpm: 300 });
    const { code, stderr } = await runCli(['run', '--task-paths', task, '--config-path', config, '--output-dir', join(dir, 'out')], { DGT_TELEMETRY_DIR: telemetry, OPENAI_API_KEY: 'k' });
    expect([code, stderr]).toEqual([0, '']);
    const calls = jsonLines(join(telemetry, 'traces.jsonl')).filter((span) => span['span_name'] === 'dgt.llm_call');
    expect(calls.length).toBeGreaterThanOrEqual(6);
    for (const call of calls) {
      expect(Date.parse(call['end_time'] as string) - Date.parse(call['start_time'] as string)).toBe(call['duration_ms']);
      // The server holds each answer 40 ms: that is the model's time, whatever the call waited before.
      expect(call['duration_ms']).toBeGreaterThanOrEqual(39);
      expect(call['semaphore_wait_ms']).toBeGreaterThanOrEqual(0);
    }
    expect(Math.max(...calls.map((call) => call['semaphore_wait_ms'] as number))).toBeGreaterThan(100);
  });

  it('writes nothing with DGT_TELEMETRY_DISABLE, and a bad DGT_TELEMETRY_* value is exit 2 naming it, before any task runs', async () => {
    const dir = tempDir();
    const telemetry = join(dir, 'telemetry');
    const args = ['run', '--task-paths', geographyTask(dir, 'geo'), '--simulated', '--output-dir', join(dir, 'out'), '--num-outputs-to-generate', '2'];
    expect((await runCli(args, { DGT_TELEMETRY_DIR: telemetry, DGT_TELEMETRY_DISABLE: '1' })).code).toBe(0);
    expect(existsSync(telemetry)).toBe(false);
    const bad = await runCli(args, { DGT_TELEMETRY_DIR: telemetry, DGT_TELEMETRY_PAYLOAD_MAX_CHARS: 'lots', DGT_OUTPUT_DIR: join(dir, 'other') });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('DGT_TELEMETRY_PAYLOAD_MAX_CHARS');
    expect(existsSync(join(dir, 'other'))).toBe(false);
  });

  it('--debug --log-format json writes one JSON object per log line on stderr; --quiet prints only the summary', async () => {
    const dir = tempDir();
    const args = ['run', '--task-paths', geographyTask(dir, 'geo'), '--simulated', '--num-outputs-to-generate', '3'];
    const debug = await runCli([...args, '--output-dir', join(dir, 'a'), '--debug', '--log-format', 'json']);
    expect(debug.code).toBe(0);
    const lines = debug.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const debugMetrics = jsonLines(join(dir, 'a', 'geo', 'task_results.jsonl'))[0]?.['metrics'] as Record<string, number>;
    expect(lines.filter((line) => line['event'] === 'model_call')).toHaveLength(debugMetrics['lm_calls']! + debugMetrics['lm_calls_cached']!);
    expect(lines[0]).toMatchObject({ level: 'info', event: 'task_started', task: 'geo', msg: 'started: 3 records to make' });
    // With no telemetry files the log is the only reader of the model calls: they are still followed for it.
    const alone = await runCli([...args, '--output-dir', join(dir, 'c'), '--debug', '--log-format', 'json'], { DGT_TELEMETRY_DISABLE: '1' });
    const aloneMetrics = jsonLines(join(dir, 'c', 'geo', 'task_results.jsonl'))[0]?.['metrics'] as Record<string, number>;
    const aloneCalls = alone.stderr.split('\n').filter((line) => line.includes('"event":"model_call"'));
    expect([alone.code, aloneCalls.length]).toEqual([0, aloneMetrics['lm_calls']! + aloneMetrics['lm_calls_cached']!]);
    const quiet = await runCli([...args, '--output-dir', join(dir, 'b'), '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    // No progress lines: the summary table alone.
    expect(quiet.stdout.trimStart()).toMatch(/^task\s+status\s+records/);
  });

  it('--monitor on a port in use is exit 2 naming the port, and runs nothing', async () => {
    const dir = tempDir();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await runCli(['run', '--task-paths', geographyTask(dir, 'geo'), '--simulated', '--output-dir', join(dir, 'out'), '--monitor', String(port)]);
      expect(code).toBe(2);
      expect(stderr).toContain(String(port));
      expect(existsSync(join(dir, 'out', 'geo', 'data.jsonl'))).toBe(false);
    } finally {
      blocker.close();
    }
  });
});
