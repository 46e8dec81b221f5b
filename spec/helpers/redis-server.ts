/**
 * A real Redis for a spec: Debian's `redis-server` on a free port of 127.0.0.1, nothing saved to disk, started before
 * the calling file's tests and stopped after. Without the binary the specs are skipped, unless CI requires the
 * service (`RXDGT_REQUIRE_SERVICES=1`): then they fail.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { type RedisServer, redisBinary, startRedisServer } from './redis-process.ts';

/** Whether the Redis specs run: the server is installed, or CI requires it. */
export const redisAvailable = existsSync(redisBinary) || process.env['RXDGT_REQUIRE_SERVICES'] === '1';

/**
 * Registers a Redis server for the calling file: started before its tests, stopped after. Call the returned function
 * inside a test for its URL.
 */
export function useRedisServer(): () => string {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  }, 20_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('the Redis server is not running');
    return server.url;
  };
}
