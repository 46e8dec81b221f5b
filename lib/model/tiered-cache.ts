import { LRUCache } from 'lru-cache';
import type { ModelResult } from './language-model.ts';
import type { ResponseCache } from './response-cache.ts';

/** How values of a {@link TieredCache} are kept in a {@link ResponseCache} (which stores `ModelResult`s). */
export interface CacheCodec<V> {
  encode(value: V): ModelResult;
  /** The value back; undefined when the stored entry is not one (another kind of entry under the key). */
  decode(stored: ModelResult): V | undefined;
}

/** One entry of a {@link TieredCache}: its keys are made once, for the tiers that are on. */
export interface CacheSlot<V> {
  /** The memory tier's value, else the disk tier's (then remembered in memory); undefined on a miss. */
  get(): V | undefined;
  /** Stores the value in every tier that is on. */
  set(value: V): void;
}

/**
 * The cache layer engines compose: an in-memory LRU in front of an optional persistent {@link ResponseCache}
 * (DGT's `lm_cache`). Keys are made only for the tiers that are on, the disk's only when the disk is used, since
 * building them (a stable JSON, a SHA-256) costs more than a lookup; with both tiers off, `slot` returns undefined.
 *
 * ## Example
 * ```ts
 * const cache = new TieredCache<ModelResult>(10_000, openSqliteCache('cache.db'), modelResultCodec);
 * const slot = cache.slot(() => JSON.stringify(request), () => cacheKey(model, request));
 * slot?.get() ?? slot?.set(answer);
 * ```
 */
export class TieredCache<V extends object> {
  private readonly memory: LRUCache<string, V> | undefined;

  constructor(
    size: number,
    private readonly disk: ResponseCache | undefined,
    private readonly codec: CacheCodec<V>,
  ) {
    this.memory = size > 0 ? new LRUCache({ max: size }) : undefined;
  }

  /** Whether any tier is on. */
  get enabled(): boolean {
    return this.memory !== undefined || this.disk !== undefined;
  }

  slot(memoryKey: () => string, diskKey: () => string): CacheSlot<V> | undefined {
    const { memory, disk, codec } = this;
    if (!memory && !disk) return undefined;
    const inMemory = memory && memoryKey();
    // The disk key (a hash) is made on the first use of the disk: a memory hit needs none.
    let onDisk: string | undefined;
    const diskKeyOnce = (): string => (onDisk ??= diskKey());
    return {
      get() {
        let value = inMemory === undefined ? undefined : memory?.get(inMemory);
        if (value === undefined && disk) {
          const stored = disk.get(diskKeyOnce());
          value = stored === undefined ? undefined : codec.decode(stored);
        }
        if (value !== undefined && inMemory !== undefined) memory?.set(inMemory, value);
        return value;
      },
      set(value) {
        if (inMemory !== undefined) memory?.set(inMemory, value);
        if (disk) disk.set(diskKeyOnce(), codec.encode(value));
      },
    };
  }
}

/** The codec of model answers, stored as they are. */
export const modelResultCodec: CacheCodec<ModelResult> = { encode: (value) => value, decode: (stored) => stored };
