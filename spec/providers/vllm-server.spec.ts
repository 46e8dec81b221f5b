import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { type ManagedLanguageModel, createVllmServer } from '../../lib/providers/vllm-server/vllm-server-model.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const serverCommand = ['node', '--import', 'tsx', 'spec/helpers/servers/openai-server-cli.ts', '--port', '{port}'];
const models: ManagedLanguageModel[] = [];
afterEach(async () => {
  await Promise.all(models.splice(0).map((model) => model.close()));
});

function managed(settings: Parameters<typeof createVllmServer>[0]): ManagedLanguageModel {
  const model = createVllmServer(settings);
  models.push(model);
  return model;
}

async function answers(url: string): Promise<boolean> {
  return fetch(url).then(
    async (response) => (await response.body?.cancel(), true),
    () => false,
  );
}

describe('vllm-server engine', () => {
  test('starts the command on a free port, waits until /v1/models answers, serves requests, and close() stops it', async () => {
    const model = managed({ command: [...serverCommand, '--startup-delay-ms', '300'], modelId: 'test-model', checkIntervalMs: 50 });
    await model.probe!({ signal: new AbortController().signal });
    expect(model.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    // Caches and admission know the server by its configuration, not by the port it happened to get.
    expect(model.endpoint).toBe(`vllm-server:${[...serverCommand, '--startup-delay-ms', '300'].join(' ')}@127.0.0.1:any#test-model`);
    const result = await model.doGenerate({ method: 'chat', messages: [{ role: 'user', content: 'hi' }] }, { signal: new AbortController().signal });
    expect(result.texts[0]).toMatch(/^Question: /);
    const models = `${model.url}/models`;
    expect(await answers(models)).toBe(true);
    await model.close();
    expect(await answers(models)).toBe(false);
  });

  test('a command that exits before it is ready fails with its exit code, the command and its last output', async () => {
    const model = managed({ command: ['node', '-e', 'console.error("no GPU found"); process.exit(3)'], modelId: 'm', checkIntervalMs: 20 });
    await expect(model.probe!({ signal: new AbortController().signal })).rejects.toThrow(/exited with code 3 .*Command: node -e .*Last output: no GPU found/);
  });

  test('a server that never answers fails after the startup timeout', async () => {
    const model = managed({ command: ['node', '-e', 'setInterval(() => {}, 1000)'], modelId: 'm', startupTimeoutMs: 300, checkIntervalMs: 50 });
    await expect(model.probe!({ signal: new AbortController().signal })).rejects.toThrow(/did not answer .*within 300 ms/);
  });

  test('the server stops when the process that started it dies, even by SIGKILL', async () => {
    const script = join(tempDir(), 'owner.mts');
    writeFileSync(
      script,
      [
        `import { createVllmServer } from '${join(process.cwd(), 'lib/providers/vllm-server/vllm-server-model.ts')}';`,
        `const model = createVllmServer({ command: ${JSON.stringify(serverCommand)}, modelId: 'm', checkIntervalMs: 50 });`,
        `await model.probe({ signal: new AbortController().signal });`,
        `process.stdout.write(model.url + '\\n');`,
        `setInterval(() => {}, 1000);`,
      ].join('\n'),
    );
    const owner = spawn('node', ['--import', 'tsx', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    const endpoint = await new Promise<string>((resolve) => owner.stdout.setEncoding('utf8').once('data', (line: string) => resolve(line.trim())));
    expect(await answers(`${endpoint}/models`)).toBe(true);
    owner.kill('SIGKILL');
    let stillUp = true;
    await waitFor(() => !stillUp || (void answers(`${endpoint}/models`).then((up) => (stillUp = up)), false));
    expect(stillUp).toBe(false);
  }, 60_000);
});
