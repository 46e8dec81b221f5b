import { describe, expect, test, vi } from 'vitest';
import type { ModelResult } from '../../lib/model/language-model.ts';
import type { ResponseCache } from '../../lib/model/response-cache.ts';
import { type CacheCodec, type CacheKeys, TieredCache, modelResultCodec } from '../../lib/model/tiered-cache.ts';

function mapCache(): ResponseCache & { readonly entries: Map<string, ModelResult> } {
  const entries = new Map<string, ModelResult>();
  return { entries, get: (key) => entries.get(key), set: (key, value) => void entries.set(key, value), close: () => entries.clear() };
}

/** Keys that ignore the subject: each test names its keys outright. */
const keys = (memory: () => string, disk: () => string): CacheKeys<undefined> => ({ memory, disk });

const answer = (text: string): ModelResult => ({ texts: [text], finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 1 } });

describe('TieredCache', () => {
  test('stores in memory and on disk, and answers from memory first', () => {
    const disk = mapCache();
    const cache = new TieredCache(10, disk, modelResultCodec);
    cache.slot(undefined, keys(() => 'm1', () => 'd1'))?.set(answer('a'));
    expect(disk.entries.get('d1')).toEqual(answer('a'));
    disk.entries.clear();
    expect(cache.slot(undefined, keys(() => 'm1', () => 'd1'))?.get()).toEqual(answer('a'));
  });

  test('a disk hit is remembered in memory', () => {
    const disk = mapCache();
    disk.entries.set('d2', answer('from disk'));
    const cache = new TieredCache(10, disk, modelResultCodec);
    expect(cache.slot(undefined, keys(() => 'm2', () => 'd2'))?.get()).toEqual(answer('from disk'));
    disk.entries.clear();
    expect(cache.slot(undefined, keys(() => 'm2', () => 'd2'))?.get()).toEqual(answer('from disk'));
  });

  test('makes the key of a tier only when the tier is on, and no slot when both are off', () => {
    const memoryKey = vi.fn(() => 'm');
    const diskKey = vi.fn(() => 'd');
    expect(new TieredCache<ModelResult>(0, undefined, modelResultCodec).slot(undefined, keys(memoryKey, diskKey))).toBeUndefined();
    new TieredCache(5, undefined, modelResultCodec).slot(undefined, keys(memoryKey, diskKey))?.get();
    expect([memoryKey.mock.calls.length, diskKey.mock.calls.length]).toEqual([1, 0]);
    new TieredCache(0, mapCache(), modelResultCodec).slot(undefined, keys(memoryKey, diskKey))?.get();
    expect([memoryKey.mock.calls.length, diskKey.mock.calls.length]).toEqual([1, 1]);
    // A memory hit needs no disk key.
    const both = new TieredCache(5, mapCache(), modelResultCodec);
    both.slot(undefined, keys(memoryKey, diskKey))?.set(answer('x'));
    expect(both.slot(undefined, keys(memoryKey, diskKey))?.get()).toEqual(answer('x'));
    expect(diskKey.mock.calls.length).toBe(2);
  });

  test('slot makes the keys from the subject through one keys object, the disk key once and only when the disk is used', () => {
    const disk = mapCache();
    const subjectKeys = { memory: vi.fn((subject: string) => `m:${subject}`), disk: vi.fn((subject: string) => `d:${subject}`) };
    const cache = new TieredCache(5, disk, modelResultCodec);
    const slot = cache.slot('q', subjectKeys);
    expect(slot?.get()).toBeUndefined();
    slot?.set(answer('a'));
    expect([...disk.entries.keys()]).toEqual(['d:q']);
    expect(subjectKeys.disk).toHaveBeenCalledTimes(1);
    expect(cache.slot('q', subjectKeys)?.get()).toEqual(answer('a'));
    expect([subjectKeys.memory.mock.calls.length, subjectKeys.disk.mock.calls.length]).toEqual([2, 1]);
  });

  test('an entry the codec cannot read is a miss', () => {
    const disk = mapCache();
    disk.entries.set('d', answer('not a number'));
    const numbers: CacheCodec<{ value: number }> = {
      encode: ({ value }) => answer(String(value)),
      decode: (stored) => (Number.isFinite(Number(stored.texts[0])) ? { value: Number(stored.texts[0]) } : undefined),
    };
    const cache = new TieredCache(0, disk, numbers);
    expect(cache.slot(undefined, keys(() => 'm', () => 'd'))?.get()).toBeUndefined();
    cache.slot(undefined, keys(() => 'm', () => 'd'))?.set({ value: 7 });
    expect(cache.slot(undefined, keys(() => 'm', () => 'd'))?.get()).toEqual({ value: 7 });
  });
});
