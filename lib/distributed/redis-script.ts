import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script's text and its SHA-1, for `EVALSHA`. */
export interface RedisScript {
  readonly text: string;
  readonly sha: string;
}

/** A Lua script, hashed once for `EVALSHA`. */
export function redisScript(text: string): RedisScript {
  return { text, sha: createHash('sha1').update(text).digest('hex') };
}

/**
 * Runs a script by its SHA-1 (`EVALSHA`), sending its text once when the server does not know it yet (its first use
 * on that server, or after `SCRIPT FLUSH`). `buffers` answers bulk strings as Buffers (binary entries).
 *
 * ## Example
 * ```ts
 * const bump = redisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
 * await evalScript(redis, bump, ['counter'], [2]); // 2
 * ```
 */
export async function evalScript(redis: Redis, script: RedisScript, keys: readonly string[], args: readonly (string | number | Buffer)[], options: { readonly buffers?: boolean } = {}): Promise<unknown> {
  const call = (command: 'EVALSHA' | 'EVAL', first: string) => {
    const argv = [first, keys.length, ...keys, ...args];
    return options.buffers ? redis.callBuffer(command, ...argv) : redis.call(command, ...argv);
  };
  try {
    return await call('EVALSHA', script.sha);
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    return call('EVAL', script.text);
  }
}
