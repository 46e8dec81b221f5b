import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';

const run = promisify(execFile);
const startServer = useTestServers();

test('take(5) ends the run early: in-flight LM calls are cancelled and the process exits', async () => {
  // The first five answers come quickly; every later one would take two minutes, far past the test's
  // timeout, so the process can only exit in time if it cancels those calls.
  const server = await startServer({ latencyMs: (index) => (index < 5 ? 10 : 120_000) });
  const dir = tempDir();
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      'databuilders:',
      '  public/examples/geography_qa:',
      '    blocks:',
      '      - name: generator',
      '        type: openai',
      `        base_url: ${server.baseURL}`,
      '        model_id_or_path: test-model',
      '        call_limit: 8',
    ].join('\n'),
  );
  const { stdout } = await run('npx', ['tsx', 'samples/pipe-into-rxjs.ts', '--config-path', config, '--output-dir', join(dir, 'out')], { cwd: process.cwd() });
  expect(stdout.trim().split('\n')).toEqual([
    expect.stringMatching(/^batch 1: .+\? \| .+\?$/),
    expect.stringMatching(/^batch 2: .+\? \| .+\?$/),
    expect.stringMatching(/^batch 3: [^|]+\?$/),
    'done: 5 records taken, the other LM calls cancelled',
  ]);
  // Requests beyond the first five were in flight when take(5) completed: the server saw them closed.
  expect(server.counters.requests).toBeGreaterThan(5);
  expect(server.counters.clientAborts).toBe(server.counters.requests - server.counters.answered - server.counters.faults);
  expect(server.counters.clientAborts).toBeGreaterThan(0);
  expect(server.counters.inFlight).toBe(0);
  // The five records were written before they were taken.
  expect(readFileSync(join(dir, 'out', 'samples', 'geography_qa', 'data.jsonl'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(5);
}, 60_000);

test('an unreachable engine is one clear line and exit code 1', async () => {
  const dir = tempDir();
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    'databuilders:\n  public/examples/geography_qa:\n    blocks:\n      - name: generator\n        type: openai\n        base_url: http://127.0.0.1:9/v1\n        model_id_or_path: m\n',
  );
  const failure = await run('npx', ['tsx', 'samples/pipe-into-rxjs.ts', '--config-path', config, '--output-dir', join(dir, 'out')]).catch((error: { code: number; stderr: string }) => error);
  expect(failure).toMatchObject({ code: 1 });
  expect((failure as { stderr: string }).stderr).toMatch(/^pipe-into-rxjs: cannot reach the openai engine of block `generator` at http:\/\/127\.0\.0\.1:9\/v1/);
}, 60_000);
