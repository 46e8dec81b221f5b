import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../lib/errors/config-error.ts';
import type { ModelRequest } from '../../lib/model/language-model.ts';
import { type LlamaCppModel, createLlamaCpp } from '../../lib/providers/llama-cpp/llama-cpp-model.ts';
import { checkNodeLlamaCpp, loadNodeLlamaCpp } from '../../lib/providers/llama-cpp/load-node-llama-cpp.ts';
import { writeByteBigramGguf } from '../helpers/make-gguf.ts';

// Real inference on a byte-bigram model the test computes (spec/helpers/make-gguf.ts): one token per byte.
// One thread: the model is so small that each token is a few microseconds of arithmetic, and llama.cpp's
// threads would spend their time waiting on each other (2 threads ran 30 times slower on a 2-core machine).
const threads = 1;

let dir: string;
let modelPath: string;
let model: LlamaCppModel;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxdgt-llama-cpp-'));
  modelPath = writeByteBigramGguf(dir);
  model = createLlamaCpp({ modelPath, threads });
});

afterAll(async () => {
  await model?.close();
  rmSync(dir, { recursive: true, force: true });
});

const signal = (): AbortSignal => new AbortController().signal;
const generate = (request: ModelRequest, callSignal = signal()) => model.doGenerate(request, { signal: callSignal });
/** Lines of this process's memory map that map `path`: node-llama-cpp maps the model file while it is loaded. */
const mappings = (path: string): number => readFileSync('/proc/self/maps', 'utf8').split('\n').filter((line) => line.endsWith(path)).length;

describe('llama-cpp engine', () => {
  test('names itself after the file', () => {
    expect(model).toMatchObject({ provider: 'llama-cpp', modelId: modelPath, endpoint: `llama-cpp://${modelPath}`, sequences: 1 });
  });

  test('a completion continues the prompt, with usage from the tokenizer', async () => {
    const prompt = 'This License';
    const result = await generate({ method: 'completion', prompt, maxTokens: 40, temperature: 0.8, seed: 1 });
    expect(result.texts).toHaveLength(1);
    expect(result.texts[0]!.trim().length).toBeGreaterThan(0);
    // Byte-level tokens: the prompt counts one token per byte; the answer ran to its limit (the model never ends a text).
    expect(result.usage).toEqual({ promptTokens: Buffer.byteLength(prompt), completionTokens: 40 });
    expect(result.finishReason).toBe('length');
  });

  test('a chat answers through the chat template, which the prompt count includes', async () => {
    const messages = [
      { role: 'system', content: 'You write licenses.' },
      { role: 'user', content: 'Write a sentence.' },
    ] as const;
    const result = await generate({ method: 'chat', messages, maxTokens: 30, seed: 2 });
    expect(result.texts[0]!.trim().length).toBeGreaterThan(0);
    expect(result.usage.promptTokens).toBeGreaterThan(Buffer.byteLength(messages.map((message) => message.content).join('')));
    expect(result.usage.completionTokens).toBeGreaterThan(0);
    expect(result.usage.completionTokens).toBeLessThanOrEqual(30);
  });

  test('maxTokens bounds the answer', async () => {
    for (const maxTokens of [1, 7, 25]) {
      const result = await generate({ method: 'completion', prompt: 'The ', maxTokens, seed: maxTokens });
      expect(result.usage.completionTokens).toBeLessThanOrEqual(maxTokens);
      expect(result.finishReason).toBe('length');
    }
  });

  test('a seed repeats an answer; n answers of one request differ', async () => {
    const request: ModelRequest = { method: 'completion', prompt: 'You may ', maxTokens: 30, temperature: 1, seed: 7 };
    const first = await generate(request);
    expect((await generate(request)).texts).toEqual(first.texts);
    const both = await generate({ ...request, n: 2 });
    expect(both.texts).toHaveLength(2);
    expect(both.texts[0]).toBe(first.texts[0]);
    expect(both.texts[1]).not.toBe(both.texts[0]);
  });

  test('a stop string ends the answer before it', async () => {
    const result = await generate({ method: 'completion', prompt: 'The ', maxTokens: 200, seed: 3, stop: ['e'] });
    expect(result.texts[0]).not.toContain('e');
    expect(result.finishReason).toBe('stop');
  });

  test('a JSON-schema response format yields JSON that parses and matches, in chat and completion', async () => {
    const schema = z.strictObject({ q: z.string().max(20), kind: z.enum(['easy', 'hard']) });
    const responseFormat = { name: 'question', schema: z.toJSONSchema(schema) };
    for (const seed of [1, 2, 3]) {
      const chat = await generate({ method: 'chat', messages: [{ role: 'user', content: 'Ask a question.' }], responseFormat, maxTokens: 200, seed });
      const completion = await generate({ method: 'completion', prompt: 'Question: ', responseFormat, maxTokens: 200, seed });
      for (const result of [chat, completion]) {
        expect(schema.safeParse(JSON.parse(result.texts[0]!)).success).toBe(true);
        expect(result.finishReason).toBe('stop');
      }
    }
  });

  test('an abort stops a long generation promptly: the call rejects with the reason', async () => {
    const controller = new AbortController();
    const reason = new Error('unsubscribed');
    let chunks = 0;
    // The model never ends a text by itself, so without the abort this would run to the end of the context.
    const call = generate(
      { method: 'completion', prompt: 'The ', providerOptions: { onTextChunk: () => ++chunks === 5 && controller.abort(reason) } },
      controller.signal,
    );
    await expect(call).rejects.toBe(reason);
    expect(chunks).toBeLessThan(20);
    // The sequence is free again.
    await expect(generate({ method: 'completion', prompt: 'The ', maxTokens: 3 })).resolves.toMatchObject({ finishReason: 'length' });
  });

  test('a call waiting for a busy sequence, or already aborted, rejects with the reason at once', async () => {
    const first = new AbortController();
    const running = generate({ method: 'completion', prompt: 'The ' }, first.signal);
    const second = new AbortController();
    const waiting = generate({ method: 'completion', prompt: 'The ', maxTokens: 5 }, second.signal);
    second.abort(new Error('second'));
    await expect(waiting).rejects.toThrow('second');
    first.abort(new Error('first'));
    await expect(running).rejects.toThrow('first');
    await expect(generate({ method: 'chat', messages: [{ role: 'user', content: 'Hi' }] }, AbortSignal.abort(new Error('early')))).rejects.toThrow('early');
  });

  test('a model file that does not exist is a ConfigError naming model_id_or_path and the path, at creation', () => {
    const missing = join(dir, 'absent.gguf');
    const error = (() => {
      try {
        createLlamaCpp({ modelPath: missing });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).field).toBe('model_id_or_path');
    expect((error as ConfigError).message).toContain(missing);
  });

  test('a file that is no GGUF model fails the call with a ConfigError naming it', async () => {
    const junk = join(dir, 'junk.gguf');
    writeFileSync(junk, 'not a model');
    const broken = createLlamaCpp({ modelPath: junk, threads });
    const call = broken.doGenerate({ method: 'completion', prompt: 'x', maxTokens: 1 }, { signal: signal() });
    await expect(call).rejects.toSatisfy((error) => ConfigError.isInstance(error) && error.field === 'model_id_or_path' && error.message.includes(junk));
    await broken.close();
  });

  test('without node-llama-cpp installed, a ConfigError tells how to install it', async () => {
    const missing = Object.assign(new Error("Cannot find package 'node-llama-cpp' imported from /app/index.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(loadNodeLlamaCpp(() => Promise.reject(missing))).rejects.toSatisfy(
      (error) => ConfigError.isInstance(error) && error.message.includes('npm install node-llama-cpp@3.21.1'),
    );
    const other = new Error('boom');
    await expect(loadNodeLlamaCpp(() => Promise.reject(other))).rejects.toBe(other);
  });

  test('without node-llama-cpp installed, the check at creation fails first, without loading it', () => {
    const missing = Object.assign(new Error("Cannot find module 'node-llama-cpp'\nRequire stack:\n- /app/index.cjs"), { code: 'MODULE_NOT_FOUND' });
    expect(() =>
      checkNodeLlamaCpp(() => {
        throw missing;
      }),
    ).toThrow(expect.objectContaining({ field: 'type', cause: missing, message: expect.stringContaining('npm install node-llama-cpp@3.21.1') }));
    // Anything but a missing package is left to the import, which reports it with its cause.
    expect(() =>
      checkNodeLlamaCpp(() => {
        throw Object.assign(new Error('No "exports" main defined'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
      }),
    ).not.toThrow();
    expect(() => checkNodeLlamaCpp()).not.toThrow();
  });

  test('close() ends calls in flight and releases the model; a later call loads it again', async () => {
    const path = join(dir, 'closing.gguf');
    copyFileSync(modelPath, path);
    const closing = createLlamaCpp({ modelPath: path, threads });
    const canSeeMaps = existsSync('/proc/self/maps');
    await closing.doGenerate({ method: 'completion', prompt: 'A', maxTokens: 2 }, { signal: signal() });
    if (canSeeMaps) expect(mappings(path)).toBeGreaterThan(0);
    // Closed while it generates (the model never ends a text by itself).
    let closed: Promise<void> | undefined;
    const inFlight = closing.doGenerate({ method: 'completion', prompt: 'A', providerOptions: { onTextChunk: () => void (closed ??= closing.close()) } }, { signal: signal() });
    await expect(inFlight).rejects.toThrow('closed');
    await closed;
    if (canSeeMaps) expect(mappings(path)).toBe(0);
    await closing.close();
    await expect(closing.doGenerate({ method: 'completion', prompt: 'A', maxTokens: 2 }, { signal: signal() })).resolves.toMatchObject({ texts: [expect.any(String)] });
    await closing.close();
    if (canSeeMaps) expect(mappings(path)).toBe(0);
  });
});

describe('llama-cpp engine: DGT parameters and tools', () => {
  const parameters = { type: 'object', properties: { city: { type: 'string' } } } as const;
  const lookup = { type: 'function', function: { name: 'lookup', description: 'Finds a city.', parameters } } as const;
  const ask = [{ role: 'user', content: 'Where is the Louvre?' }] as const;

  test('tools become functions the chat template documents: the prompt grows by their documentation', async () => {
    const without = await generate({ method: 'chat', messages: ask, maxTokens: 5, seed: 1 });
    const withTools = await generate({ method: 'chat', messages: ask, tools: [lookup], maxTokens: 5, seed: 1 });
    expect(withTools.usage.promptTokens).toBeGreaterThan(without.usage.promptTokens);
    // `none` leaves them out.
    const none = await generate({ method: 'chat', messages: ask, tools: [lookup], toolChoice: 'none', maxTokens: 5, seed: 1 });
    expect(none.usage.promptTokens).toBe(without.usage.promptTokens);
  });

  test('a conversation of tool calls and results is rendered: the answer continues after the result', async () => {
    const messages = [
      ...ask,
      { role: 'assistant', content: '', tool_calls: [{ id: 'c0', type: 'function', function: { name: 'lookup', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', content: 'The Louvre is in Paris, France.', tool_call_id: 'c0' },
    ] as const;
    const result = await generate({ method: 'chat', messages, tools: [lookup], maxTokens: 5, seed: 1 });
    const plain = await generate({ method: 'chat', messages: ask, tools: [lookup], maxTokens: 5, seed: 1 });
    expect(result.usage.promptTokens).toBeGreaterThan(plain.usage.promptTokens + Buffer.byteLength('The Louvre is in Paris, France.') - 1);
    expect(result.texts).toHaveLength(1);
  });

  test('a logit bias of -100 bans a token (one per byte here: `e` is 101); top_k and the penalties are taken', async () => {
    const result = await generate({ method: 'completion', prompt: 'The ', maxTokens: 120, seed: 3, logitBias: { '101': -100 }, topK: 40, frequencyPenalty: 0.2, presencePenalty: 0.1 });
    expect(result.texts[0]).not.toContain('e');
    expect(result.usage.completionTokens).toBe(120);
  });

  test('JSON mode constrains the answer to the JSON grammar: it opens an object', async () => {
    // This model never ends a string by itself, so the answer is JSON cut short; its start shows the grammar.
    const result = await generate({ method: 'completion', prompt: 'Data: ', jsonMode: true, maxTokens: 40, seed: 4 });
    expect(result.texts[0]).toMatch(/^\s*\{/);
  });

  test('the continuation is appended to a completion prompt; maxLength keeps the last maxLength − maxTokens tokens', async () => {
    const continued = await generate({ method: 'completion', prompt: 'This ', continuation: 'License', maxTokens: 1 });
    expect(continued.usage.promptTokens).toBe(Buffer.byteLength('This License'));
    const cut = createLlamaCpp({ modelPath, threads, maxLength: 20 });
    try {
      const result = await cut.doGenerate({ method: 'completion', prompt: 'x'.repeat(100), maxTokens: 4 }, { signal: signal() });
      expect(result.usage.promptTokens).toBe(16);
      await expect(cut.doGenerate({ method: 'completion', prompt: 'x', maxTokens: 20 }, { signal: signal() })).rejects.toSatisfy(
        (error) => ConfigError.isInstance(error) && error.field === 'max_length',
      );
    } finally {
      await cut.close();
    }
  });

  test.each<[string, ModelRequest]>([
    ['logprobs', { method: 'completion', prompt: 'x', logprobs: true }],
    ['echo', { method: 'completion', prompt: 'x', echo: true }],
    ['reasoning_effort', { method: 'chat', messages: ask, reasoningEffort: 'low' }],
    ['extra_body', { method: 'completion', prompt: 'x', extraBody: { a: 1 } }],
    ['tool_choice', { method: 'chat', messages: ask, tools: [lookup], toolChoice: 'required' }],
    ['tools', { method: 'chat', messages: ask, tools: [lookup], jsonMode: true }],
    ['tools', { method: 'completion', prompt: 'x', tools: [lookup] }],
  ])('refuses %s with a ConfigError naming the block field', async (field, request) => {
    await expect(generate(request)).rejects.toSatisfy((error) => ConfigError.isInstance(error) && error.field === field && error.message.startsWith('llama-cpp: invalid config'));
  });
});
