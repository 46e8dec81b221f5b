import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelRequest, ModelResult } from '../../lib/model/language-model.ts';
import { cacheKey } from '../../lib/model/response-cache.ts';
import { openSqliteCache } from '../../lib/model/sqlite-cache.ts';
import { cpuMsSince, geographySeeds, mib, scratchDir } from './common.ts';

const count = 20_000;
const warmUp = 2_000;
const model = { provider: 'openai', endpoint: 'http://127.0.0.1:8000/v1', modelId: 'granite-3.3-8b-instruct' };

/** A request of the size the geography QA builder sends: instructions, a few seed examples, parameters. */
function request(index: number): ModelRequest {
  const examples = geographySeeds.map((seed) => `Question: ${seed.question}\nAnswer: ${seed.answer}`).join('\n\n');
  return {
    method: 'chat',
    messages: [
      { role: 'system', content: 'You write geography questions with short, correct answers.' },
      { role: 'user', content: `Here are examples:\n\n${examples}\n\nWrite question number ${index} in the same format.` },
    ],
    temperature: 0.7,
    maxTokens: 256,
    stop: ['\n\n'],
    seed: index,
  };
}

const answer = (index: number): ModelResult => ({
  texts: [`Question: Which river forms part of the border numbered ${index}?\nAnswer: The Rhine, which runs along the Swiss and German border.`],
  finishReason: 'stop',
  usage: { promptTokens: 410, completionTokens: 31 },
});

/** Wall and CPU µs per item of `run` over `items`. */
function measure<T>(items: readonly T[], run: (item: T) => void): { wall: number; cpu: number } {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (const item of items) run(item);
  const wall = ((performance.now() - start) * 1000) / items.length;
  return { wall, cpu: (cpuMsSince(cpuStart) * 1000) / items.length };
}

const figure = ({ wall, cpu }: { wall: number; cpu: number }): string => `${wall.toFixed(2)} µs (CPU ${cpu.toFixed(2)} µs)`;

/**
 * Per-call cost of the `lm_cache` SQLite response cache on a real file: the key hash, a set, a get answered
 * by the in-memory LRU, a get answered by the file, and a miss. Returns printable lines; asserts nothing.
 */
export async function benchCache(): Promise<string[]> {
  const dir = await scratchDir('cache');
  try {
    const path = join(dir.path, 'lm-cache.db');
    const requests = Array.from({ length: count + warmUp }, (_, index) => request(index));
    const keyOf = (index: number): string => cacheKey(model, requests[index]!);
    const indexes = Array.from({ length: count }, (_, index) => warmUp + index);
    const warmIndexes = Array.from({ length: warmUp }, (_, index) => index);

    measure(warmIndexes, keyOf);
    const keying = measure(indexes, keyOf);
    const keys = Array.from({ length: count + warmUp }, (_, index) => keyOf(index));
    const answers = keys.map((_, index) => answer(index));

    const writer = openSqliteCache(path, { memoryEntries: count + warmUp });
    measure(warmIndexes, (index) => writer.set(keys[index]!, answers[index]!));
    const setting = measure(indexes, (index) => writer.set(keys[index]!, answers[index]!));
    measure(warmIndexes, (index) => writer.get(keys[index]!));
    const memoryHit = measure(indexes, (index) => writer.get(keys[index]!));
    writer.close();

    // Both caches hold every entry in memory, so no eviction muddles the figures. A fresh cache has an empty LRU: each first get is answered by the file (and fills the LRU).
    const reader = openSqliteCache(path, { memoryEntries: count + warmUp });
    measure(warmIndexes, (index) => reader.get(keys[index]!));
    const diskHit = measure(indexes, (index) => reader.get(keys[index]!));
    const missKeys = indexes.map((index) => `absent-${index}`);
    const miss = measure(missKeys, (key) => reader.get(key));
    reader.close();

    const requestBytes = JSON.stringify(requests[0]).length;
    const valueBytes = JSON.stringify(answers[0]).length;
    return [
      `lm_cache: ${count.toLocaleString('en-US')} entries (after ${warmUp.toLocaleString('en-US')} warm-up), ` +
        `request ~${requestBytes} B of JSON, value ~${valueBytes} B; file ${mib(statSync(path).size)} (WAL, synchronous=NORMAL)`,
      `  cacheKey (stable stringify + SHA-256): ${figure(keying)} per key`,
      `  set (JSON.stringify + INSERT OR REPLACE, one transaction each): ${figure(setting)} per set`,
      `  get, memory hit (LRU): ${figure(memoryHit)} per get`,
      `  get, disk hit (SELECT + JSON.parse + LRU fill): ${figure(diskHit)} per get`,
      `  get, miss (SELECT, no row): ${figure(miss)} per get`,
    ];
  } finally {
    await dir.remove();
  }
}
