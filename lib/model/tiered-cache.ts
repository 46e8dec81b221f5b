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

/** How an entry's keys are made from what it is for (a request): one object per cache, not closures per entry. */
export interface CacheKeys<K> {
  /** The in-memory tier's key. */
  memory(subject: K): string;
  /** The persistent tier's key (kept across runs). */
  disk(subject: K): string;
}

/**
 * The cache layer engines compose: an in-memory LRU in front of an optional persistent {@link ResponseCache}
 * (DGT's `lm_cache`). Keys are made only for the tiers that are on, the disk's only when the disk is used, since
 * building them (a stable JSON, a SHA-256) costs more than a lookup; with both tiers off, `slot` returns undefined.
 *
 * ## Example
 * ```ts
 * const cache = new TieredCache<ModelResult>(10_000, openSqliteCache('cache.db'), modelResultCodec);
 * const keys: CacheKeys<ModelRequest> = { memory: (request) => JSON.stringify(request), disk: (request) => cacheKey(model, request) };
 * const slot = cache.slot(request, keys);
 * slot?.get() ?? slot?.set(answer);
 * ```
 */
export class TieredCache<V extends object> {
  /** The in-memory tier; undefined when off (a size of 0). Read by the slots, written through them. */
  readonly memory: LRUCache<string, V> | undefined;

  constructor(
    size: number,
    /** The persistent tier, if any. */
    readonly disk: ResponseCache | undefined,
    /** How values are kept in the persistent tier. */
    readonly codec: CacheCodec<V>,
  ) {
    this.memory = size > 0 ? new LRUCache({ max: size }) : undefined;
  }

  /** Whether any tier is on. */
  get enabled(): boolean {
    return this.memory !== undefined || this.disk !== undefined;
  }

  /** The entry of `subject`, its keys made by `keys` (an engine's one object, not closures per entry); undefined with both tiers off. */
  slot<K>(subject: K, keys: CacheKeys<K>): CacheSlot<V> | undefined {
    return this.enabled ? new TieredSlot(this, subject, keys) : undefined;
  }
}

/** A {@link CacheSlot} of a {@link TieredCache}: the memory key made at once, the disk key on the first use of the disk. */
class TieredSlot<V extends object, K> implements CacheSlot<V> {
  private readonly inMemory: string | undefined;
  private onDisk: string | undefined;

  constructor(
    private readonly cache: TieredCache<V>,
    private readonly subject: K,
    private readonly keys: CacheKeys<K>,
  ) {
    this.inMemory = cache.memory && keys.memory(subject);
  }

  get(): V | undefined {
    const { memory, disk, codec } = this.cache;
    // A memory hit is the most recent entry by that read; a disk hit is copied into memory.
    const value = this.inMemory === undefined ? undefined : memory?.get(this.inMemory);
    if (value !== undefined || !disk) return value;
    const stored = disk.get(this.diskKey());
    if (stored === undefined) return undefined;
    const decoded = codec.decode(stored);
    if (this.inMemory !== undefined) memory?.set(this.inMemory, decoded);
    return decoded;
  }

  set(value: V): void {
    const { memory, disk, codec } = this.cache;
    if (this.inMemory !== undefined) memory?.set(this.inMemory, value);
    if (disk) disk.set(this.diskKey(), codec.encode(value));
  }

  /** The disk key (a hash), made once: a memory hit needs none. */
  private diskKey(): string {
    this.onDisk ??= this.keys.disk(this.subject);
    return this.onDisk;
  }
}

/** The codec of model answers, stored as they are. */
export const modelResultCodec: CacheCodec<ModelResult> = { encode: (value) => value, decode: (stored) => stored };
