/**
 * Input that must be refused as bad input (exit 2) before anything runs: an endpoint URL with a user name and
 * password, which must then appear nowhere (terminal or output files), and a YAML alias bomb.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { type CliResult, runCli, writeBlockConfig, writeJointConfig } from './run-cli.ts';

const startServer = useTestServers();

const geography = 'public/examples/geography_qa';

/** Every file under `dir`, recursively; none when it does not exist. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Neither the user name nor the password is on the terminal or in any file the run wrote. */
function expectNoSecrets(result: CliResult, out: string): void {
  for (const text of [result.stdout, result.stderr, ...filesUnder(out).map((path) => readFileSync(path, 'utf8'))]) {
    expect(text).not.toContain('alice');
    expect(text).not.toContain('s3cret');
  }
}

describe('rxdgt run: an endpoint URL with a user name and password', () => {
  it('in a joint config\'s base_url: exit 2 naming the file and the field, no request sent, the secrets nowhere', async () => {
    const server = await startServer();
    const dir = tempDir();
    const out = join(dir, 'out');
    const config = writeJointConfig(dir, { [geography]: { block: 'generator', baseURL: `http://alice:s3cret@127.0.0.1:${new URL(server.url).port}/v1` } });
    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--config-path', config, '--output-dir', out, '--num-outputs-to-generate', '3']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `rxdgt: ${config}: field \`databuilders.${geography}.blocks.0.base_url\`: block \`generator\`: the URL holds a user name or password: ` +
        'credentials belong in `api_key` or the engine\'s key variable (OPENAI_API_KEY, ANTHROPIC_API_KEY, AZURE_OPENAI_API_KEY or WATSONX_API_KEY), not in the URL',
    ]);
    expect(server.requests).toEqual([]);
    expectNoSecrets(result, out);
  });

  it('in OPENAI_BASE_URL, for a block without base_url: exit 2 naming the file, the field and the variable, the secrets nowhere', async () => {
    const server = await startServer();
    const dir = tempDir();
    const out = join(dir, 'out');
    const config = writeBlockConfig(dir, { [geography]: { name: 'generator', type: 'openai', model_id_or_path: 'test-model' } });
    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--config-path', config, '--output-dir', out, '--num-outputs-to-generate', '3'], {
      OPENAI_BASE_URL: `http://alice:s3cret@127.0.0.1:${new URL(server.url).port}/v1`,
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `rxdgt: ${config}: field \`databuilders.${geography}.blocks.0.base_url\`: block \`generator\`: openai: ` +
        'the OPENAI_BASE_URL environment variable holds a URL with a user name or password: credentials belong in `api_key` or OPENAI_API_KEY, not in the URL',
    ]);
    expect(server.requests).toEqual([]);
    expectNoSecrets(result, out);
  });
});

describe('rxdgt run: a YAML alias bomb', () => {
  it('exits 2 naming the task file and the alias limit, writing nothing', async () => {
    const dir = tempDir();
    const tasks = join(dir, 'tasks');
    const out = join(dir, 'out');
    // Nine levels of ten aliases each: 10^9 values once expanded.
    const lines = ['task_name: bomb', `data_builder: ${geography}`, 'created_by: test', `l0: &l0 [${Array(10).fill('lol').join(', ')}]`];
    for (let level = 1; level < 9; level++) lines.push(`l${level}: &l${level} [${Array(10).fill(`*l${level - 1}`).join(', ')}]`);
    mkdirSync(tasks);
    const taskFile = join(tasks, 'task.yaml');
    writeFileSync(taskFile, `${lines.join('\n')}\n`);
    const result = await runCli(['run', '--task-paths', tasks, '--output-dir', out]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const [line, ...more] = result.stderr.trimEnd().split('\n');
    expect(more).toEqual([]);
    expect(line?.startsWith(`rxdgt: ${taskFile}: the YAML uses too many aliases, likely an alias bomb`)).toBe(true);
    expect(line).toContain('limit of 10000');
    expect(existsSync(out)).toBe(false);
  });
});
