import { spawn } from 'node:child_process';
import { closeSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import type { ModelRequest, ModelResult } from '../../lib/model/language-model.ts';
import { cacheKey } from '../../lib/model/response-cache.ts';
import { openSqliteCache } from '../../lib/model/sqlite-cache.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('./sqlite-cache-process.ts', import.meta.url));

const result = (text: string): ModelResult => ({ texts: [text], finishReason: 'stop', usage: { promptTokens: 12, completionTokens: 3 } });

/** Same shape as the child's entries, so the parent can check what it reads back. */
const childResult = (index: number): ModelResult => ({
  texts: [`answer ${index}`],
  finishReason: 'stop',
  usage: { promptTokens: index, completionTokens: 1 },
});

interface Child {
  /** Called with each stdout line as it arrives. */
  readonly lines: string[];
  /** Resolves with the exit code and stderr once the process ends. */
  readonly exit: Promise<{ code: number | null; stderr: string }>;
}

/** Starts `sqlite-cache-process.ts` in a second Node process; `onLine` sees each line it prints. */
function startChild(args: readonly string[], onLine: (line: string) => void = () => {}): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let pending = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      onLine(line);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { lines, exit };
}

describe('openSqliteCache', () => {
  test('set then get returns the answer, from memory and from the file', () => {
    const path = join(tempDir(), 'cache.db');
    const cache = openSqliteCache(path);
    cache.set('k1', result('Paris.'));
    expect(cache.get('k1')).toEqual(result('Paris.'));
    const second = openSqliteCache(path);
    expect(second.get('k1')).toEqual(result('Paris.'));
    second.close();
    cache.close();
  });

  test('get on a miss returns undefined', () => {
    const path = join(tempDir(), 'cache.db');
    for (const memoryEntries of [10, 0]) {
      const cache = openSqliteCache(path, { memoryEntries });
      expect(cache.get('absent')).toBeUndefined();
      cache.close();
    }
  });

  test('answers persist across close and reopen, including answers replaced under one key', () => {
    const path = join(tempDir(), 'cache.db');
    const cache = openSqliteCache(path);
    cache.set('a', result('first'));
    cache.set('a', result('second'));
    cache.set('b', { texts: ['x', 'y'], finishReason: undefined, usage: { promptTokens: 0, completionTokens: 0 } });
    cache.close();
    const reopened = openSqliteCache(path, { memoryEntries: 0 });
    expect(reopened.get('a')).toEqual(result('second'));
    expect(reopened.get('b')).toEqual({ texts: ['x', 'y'], finishReason: undefined, usage: { promptTokens: 0, completionTokens: 0 } });
    reopened.close();
  });

  test('creates missing parent directories and the responses table', () => {
    const path = join(tempDir(), 'nested', 'deeper', 'cache.db');
    const cache = openSqliteCache(path);
    cache.set('k', result('v'));
    cache.close();
    const raw = new Database(path, { readonly: true });
    const columns = raw.prepare<[], { name: string; type: string; pk: number }>("SELECT name, type, pk FROM pragma_table_info('responses')").all();
    const row = raw.prepare<[string], { value: string; created_at: number }>('SELECT value, created_at FROM responses WHERE key = ?').get('k');
    raw.close();
    expect(columns).toEqual([
      { name: 'key', type: 'TEXT', pk: 1 },
      { name: 'value', type: 'TEXT', pk: 0 },
      { name: 'created_at', type: 'INTEGER', pk: 0 },
    ]);
    expect(JSON.parse(row?.value ?? 'null')).toEqual(result('v'));
    expect(row?.created_at).toBeTypeOf('number');
  });

  test('the file is in WAL mode', () => {
    const path = join(tempDir(), 'cache.db');
    const cache = openSqliteCache(path);
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    cache.close();
  });

  test('disk hits fill the memory layer in front of the file', () => {
    const path = join(tempDir(), 'cache.db');
    const writer = openSqliteCache(path);
    const reader = openSqliteCache(path);
    writer.set('k', result('old'));
    expect(reader.get('k')).toEqual(result('old'));
    writer.set('k', result('new'));
    // The reader answers from memory now; a reader without a memory layer sees the file.
    expect(reader.get('k')).toEqual(result('old'));
    const direct = openSqliteCache(path, { memoryEntries: 0 });
    expect(direct.get('k')).toEqual(result('new'));
    for (const cache of [writer, reader, direct]) cache.close();
  });

  test('two processes share one file: the parent reads what the child writes while both write', async () => {
    const path = join(tempDir(), 'cache.db');
    const cache = openSqliteCache(path, { memoryEntries: 0 });
    const count = 400;
    const wrong: string[] = [];
    const child = startChild(['write', path, String(count)], (line) => {
      const index = Number(line);
      if (JSON.stringify(cache.get(`child-${index}`)) !== JSON.stringify(childResult(index))) wrong.push(line);
    });
    let done = false;
    let written = 0;
    const ended = child.exit.finally(() => (done = true));
    // The parent keeps writing in small batches until the child exits, so both processes write at once.
    while (!done) {
      for (let batch = 0; batch < 20; batch += 1) {
        cache.set(`parent-${written}`, result(`parent ${written}`));
        written += 1;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const { code, stderr } = await ended;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(child.lines).toHaveLength(count);
    expect(wrong).toEqual([]);
    expect(written).toBeGreaterThan(0);
    cache.close();

    const raw = new Database(path, { readonly: true });
    const stored = raw.prepare<[], number>('SELECT count(*) FROM responses').pluck().get();
    raw.close();
    expect(stored).toBe(count + written);
  });

  test('a write waits for another process holding the write lock instead of failing with SQLITE_BUSY', async () => {
    const path = join(tempDir(), 'cache.db');
    const cache = openSqliteCache(path);
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const child = startChild(['hold', path, '300'], (line) => line === 'locked' && locked());
    await isLocked;
    expect(() => cache.set('k', result('after the lock'))).not.toThrow();
    const { code, stderr } = await child.exit;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    cache.close();
    const reopened = openSqliteCache(path, { memoryEntries: 0 });
    expect(reopened.get('k')).toEqual(result('after the lock'));
    expect(reopened.get('held')).toEqual({ texts: [] });
    reopened.close();
  });

  test('a file that is not a SQLite database is a ConfigError naming the path and lm_cache', () => {
    const path = join(tempDir(), 'cache.db');
    writeFileSync(path, 'question,answer\nWhat is 2+2?,4\n'.repeat(200));
    const error = catchError(() => openSqliteCache(path));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).message).toContain(path);
    expect((error as ConfigError).message).toContain('lm_cache');
    expect((error as ConfigError).field).toBe('lm_cache');
  });

  test('a corrupt database is a ConfigError naming the path and lm_cache, at open or at the first read', () => {
    const path = join(tempDir(), 'cache.db');
    const cache = openSqliteCache(path);
    for (let index = 0; index < 2_000; index += 1) cache.set(`k${index}`, result(`answer ${index} `.repeat(10)));
    cache.close();
    // Keep the header page, so the file still opens as SQLite, and scribble over every page after it.
    const size = statSync(path).size;
    const descriptor = openSync(path, 'r+');
    writeSync(descriptor, Buffer.alloc(size - 4096, 0xa5), 0, size - 4096, 4096);
    closeSync(descriptor);
    const error = catchError(() => openSqliteCache(path, { memoryEntries: 0 }).get('k1'));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).message).toContain(path);
    expect((error as ConfigError).message).toContain('lm_cache');
  });

  test('a bad memoryEntries is a ConfigError', () => {
    const path = join(tempDir(), 'cache.db');
    expect(ConfigError.isInstance(catchError(() => openSqliteCache(path, { memoryEntries: -1 })))).toBe(true);
    expect(ConfigError.isInstance(catchError(() => openSqliteCache(path, { memoryEntries: 1.5 })))).toBe(true);
  });

  test('close is idempotent', () => {
    const path = join(tempDir(), 'cache.db');
    const cache = openSqliteCache(path);
    cache.set('k', result('v'));
    cache.close();
    expect(() => cache.close()).not.toThrow();
    const reopened = openSqliteCache(path);
    expect(reopened.get('k')).toEqual(result('v'));
    reopened.close();
  });
});

describe('cacheKey', () => {
  const model = { provider: 'openai', endpoint: 'http://127.0.0.1:8000/v1', modelId: 'granite-3.3-8b' };
  const request: ModelRequest = {
    method: 'chat',
    messages: [{ role: 'user', content: 'Name a river.' }],
    temperature: 0.7,
    maxTokens: 64,
    stop: ['\n\n'],
    responseFormat: { name: 'qa', schema: { type: 'object', properties: { answer: { type: 'string' } } } },
  };
  const key = cacheKey(model, request);

  test('is a SHA-256 hex digest, the same under any key order', () => {
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const reordered: ModelRequest = {
      responseFormat: { schema: { properties: { answer: { type: 'string' } }, type: 'object' }, name: 'qa' },
      stop: ['\n\n'],
      maxTokens: 64,
      temperature: 0.7,
      messages: [{ content: 'Name a river.', role: 'user' }],
      method: 'chat',
    };
    expect(cacheKey({ modelId: model.modelId, endpoint: model.endpoint, provider: model.provider }, reordered)).toBe(key);
  });

  test('changes with the model, the endpoint, the provider and every part of the request', () => {
    const variants: [string, string][] = [
      ['provider', cacheKey({ ...model, provider: 'vllm-remote' }, request)],
      ['endpoint', cacheKey({ ...model, endpoint: 'http://127.0.0.1:8001/v1' }, request)],
      ['model', cacheKey({ ...model, modelId: 'granite-3.3-2b' }, request)],
      ['temperature', cacheKey(model, { ...request, temperature: 0.8 })],
      ['maxTokens', cacheKey(model, { ...request, maxTokens: 65 })],
      ['seed', cacheKey(model, { ...request, seed: 1 })],
      ['providerOptions', cacheKey(model, { ...request, providerOptions: { num_ctx: 4096 } })],
      ['message', cacheKey(model, { ...request, messages: [{ role: 'user', content: 'Name a lake.' }] })],
      ['responseFormat', cacheKey(model, { ...request, responseFormat: { name: 'qa', schema: { type: 'object' } } })],
      ['no responseFormat', cacheKey(model, { method: 'chat', messages: request.messages, temperature: 0.7, maxTokens: 64, stop: ['\n\n'] })],
      ['method', cacheKey(model, { method: 'completion', prompt: 'Name a river.', temperature: 0.7, maxTokens: 64, stop: ['\n\n'] })],
    ];
    for (const [name, variant] of variants) expect(variant, name).not.toBe(key);
    expect(new Set(variants.map(([, variant]) => variant)).size).toBe(variants.length);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
