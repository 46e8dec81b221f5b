import { appendFileSync } from 'node:fs';
import { type IncomingMessage, get, request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import type { MonitorSnapshot } from '../../lib/monitor/monitor-snapshot.ts';
import { type Monitor, startMonitor } from '../../lib/monitor/start-monitor.ts';
import type { RunEvent } from '../../lib/telemetry/run-event.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { geographyTask, runWithEvents } from './monitor-fixtures.ts';

type Served = MonitorSnapshot & { readonly version: number; readonly outputDir: string; readonly live: boolean };

const started: Monitor[] = [];
afterEach(async () => {
  for (const monitor of started.splice(0)) await monitor.close();
});

/** The address of `path` on the monitor, with its token. */
function urlOf(monitor: Monitor, path: string): string {
  return `http://127.0.0.1:${monitor.port}/${path}?token=${monitor.token}`;
}

async function monitorOf(options: Parameters<typeof startMonitor>[0]): Promise<Monitor> {
  const monitor = await startMonitor(options);
  started.push(monitor);
  return monitor;
}

function fetchText(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { method, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    sent.on('error', reject).end();
  });
}

/** An open `/events` stream: the frames received so far, and whether the server ended it. */
function listen(monitor: Monitor): { frames: string[]; states: () => Served[]; ended: () => boolean } {
  const frames: string[] = [];
  let buffer = '';
  let ended = false;
  get(urlOf(monitor, 'events'), (response) => {
    response.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n\n');
      buffer = parts.pop() ?? '';
      frames.push(...parts);
    });
    response.on('end', () => (ended = true));
  }).on('error', () => (ended = true));
  const states = (): Served[] => frames.filter((frame) => frame.includes('event: state')).map((frame) => JSON.parse(frame.split('data: ')[1]!) as Served);
  return { frames, states, ended: () => ended };
}

const base = { runId: 'run-1', buildId: 'exp' };
const settled = (accepted: number): RunEvent => ({ ...base, type: 'input-end', time: accepted, task: 'geo', records: [{ question: `Q${accepted}` }], rejections: [], usage: undefined, accepted, rejected: 0, attempts: accepted });

describe('startMonitor', () => {
  it('serves the page, the state as JSON and its event stream for a finished run', async () => {
    const dir = tempDir();
    await runWithEvents([geographyTask(dir, 'geo', 5, { answers: (index) => `Question: </script><script>alert(${index})</script>?\nAnswer: A${index}.` })]);
    const monitor = await monitorOf({ outputDir: dir });
    expect(monitor.url).toBe(`http://127.0.0.1:${monitor.port}/?token=${monitor.token}`);
    expect(monitor.token).toMatch(/^[0-9a-f]{32}$/);
    const state = await fetchText(urlOf(monitor, 'api/state'));
    expect(state.headers['content-type']).toContain('application/json');
    const served = JSON.parse(state.body) as Served;
    expect(served).toMatchObject({ outputDir: dir, status: 'finished', live: true, tasks: [{ task: 'geo', status: 'completed', accepted: 5 }] });
    const page = await fetchText(monitor.url);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'nonce-[^']+'/);
    expect(page.body).toContain('<title>rxdgt monitor</title>');
    // The records' text is in the page only as escaped JSON: no `<` of it can end the script.
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).toContain('\\u003c/script>\\u003cscript>alert(');
    expect(page.body).not.toMatch(/<(link|img|iframe)\b|src="http/);
    const stream = listen(monitor);
    await waitFor(() => stream.states().length > 0);
    expect(stream.frames[0]).toBe('retry: 1000');
    expect(stream.states()[0]!.tasks[0]!.accepted).toBe(5);
  });

  it('pushes the state as live events come, a burst as one push, and tells when the run ended', async () => {
    const events = new Subject<RunEvent>();
    const monitor = await monitorOf({ outputDir: tempDir(), events, throttleMs: 50 });
    const stream = listen(monitor);
    await waitFor(() => stream.states().length === 1);
    expect(stream.states()[0]!.tasks).toEqual([]);
    events.next({ ...base, type: 'run-start', time: 0, tasks: [{ task: 'geo', target: 500 }] });
    events.next({ ...base, type: 'task-start', time: 0, task: 'geo', target: 500, taskRunId: 't' });
    for (let accepted = 1; accepted <= 200; accepted += 1) events.next(settled(accepted));
    await waitFor(() => stream.states().at(-1)?.tasks[0]?.accepted === 200);
    // One push for the burst (and none of the states between).
    expect(stream.states()).toHaveLength(2);
    const before = stream.states().at(-1)!.version;
    events.next(settled(201));
    await waitFor(() => stream.states().at(-1)?.tasks[0]?.accepted === 201);
    expect(stream.states().at(-1)!.version).toBeGreaterThan(before);
    events.next({ ...base, type: 'run-end', time: 10, status: 'completed' });
    events.complete();
    await waitFor(() => stream.frames.some((frame) => frame.startsWith('event: end')));
    await waitFor(() => stream.states().at(-1)?.live === false);
    expect(stream.states().at(-1)!.status).toBe('completed');
  });

  it('reads the folders again and again without a live stream, with heartbeats between', async () => {
    const dir = tempDir();
    await runWithEvents([geographyTask(dir, 'geo', 3)]);
    const monitor = await monitorOf({ outputDir: dir, pollMs: 10, heartbeatMs: 10, throttleMs: 10 });
    const stream = listen(monitor);
    await waitFor(() => stream.states().length === 1);
    appendFileSync(join(dir, 'geo', 'data.jsonl'), '{"question":"one more?"}\n');
    await waitFor(() => stream.states().at(-1)?.tasks[0]?.accepted === 4);
    await waitFor(() => stream.frames.includes(': heartbeat'));
    expect(stream.states().at(-1)!.tasks[0]!.acceptedSamples.at(-1)!.fields).toEqual([['question', 'one more?']]);
  });

  it('refuses a port in use, naming it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const error = await startMonitor({ outputDir: tempDir(), port }).catch((caught: unknown) => caught);
      expect(ConfigError.isInstance(error)).toBe(true);
      expect((error as Error).message).toBe(`the monitor's port ${port} is in use`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    await expect(startMonitor({ outputDir: tempDir(), port: 70_000 })).rejects.toThrow("the monitor's port must be an integer from 0 to 65535, received 70000");
  });

  it('answers only GET of its own paths, for its own host names', async () => {
    const monitor = await monitorOf({ outputDir: tempDir() });
    expect((await fetchText(urlOf(monitor, 'nothing'))).status).toBe(404);
    expect((await fetchText(urlOf(monitor, 'api/state'), {}, 'POST')).status).toBe(405);
    expect((await fetchText(urlOf(monitor, 'api/state'), { host: 'attacker.example:80' })).status).toBe(403);
    expect((await fetchText(urlOf(monitor, 'api/state'), { host: `localhost:${monitor.port}` })).status).toBe(200);
    // Without the token, or with another, nothing is served; the page sets it as a cookie of this port for its requests.
    const bare = `http://127.0.0.1:${monitor.port}/`;
    expect((await fetchText(bare)).status).toBe(403);
    expect((await fetchText(`${bare}api/state`)).status).toBe(403);
    expect((await fetchText(`${bare}events?token=${'0'.repeat(32)}`)).status).toBe(403);
    const page = await fetchText(monitor.url);
    const cookie = String(page.headers['set-cookie']?.[0]).split(';')[0]!;
    expect(cookie).toBe(`rxdgt-monitor-${monitor.port}=${monitor.token}`);
    expect(page.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await fetchText(`${bare}api/state`, { cookie })).status).toBe(200);
  });

  it('ends every event stream and stops listening when closed', async () => {
    const monitor = await startMonitor({ outputDir: tempDir(), events: new Subject<RunEvent>() });
    const streams = [listen(monitor), listen(monitor)];
    await waitFor(() => streams.every((stream) => stream.states().length === 1));
    await monitor.close();
    await waitFor(() => streams.every((stream) => stream.ended()));
    await expect(fetchText(monitor.url)).rejects.toThrow(/ECONNREFUSED/);
  });
});
