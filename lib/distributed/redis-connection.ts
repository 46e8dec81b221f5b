import type { Redis, RedisOptions } from 'ioredis';
import { errorMessage } from '../error-message.ts';
import { ConfigError } from '../errors/config-error.ts';
import { lazily } from '../providers/lazily.ts';
import { redactUrl } from '../redact-url.ts';

/** How long a first connection may take before the Redis URL is called unreachable. */
const connectTimeoutMs = 3000;

const ioredis = lazily(async () => (await queuePackage(() => import('ioredis'))).Redis);

/**
 * Loads one of the packages a distributed run needs (`bullmq`, `ioredis`: optional dependencies).
 * @throws {ConfigError} naming the install command when it is not installed
 */
export async function queuePackage<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new ConfigError(`a run on a queue (--queue) needs the optional packages bullmq and ioredis, which cannot be loaded (${errorMessage(error)}): install them with \`npm install bullmq@^6.7.0 ioredis@^5.11.1\``, { field: '--queue' });
  }
}

/**
 * Checks a `--queue` URL: `redis://` or `rediss://` (TLS), a host, an optional port and database (`/2`).
 *
 * ## Example
 * ```ts
 * checkRedisUrl('redis://127.0.0.1:6379/0', '--queue'); // ok
 * checkRedisUrl('http://127.0.0.1', '--queue'); // ConfigError: --queue must be a redis:// or rediss:// URL
 * ```
 * @throws {ConfigError} naming `field` for anything else
 */
export function checkRedisUrl(url: string, field: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${field} must be a redis:// or rediss:// URL, not \`${redactUrl(url)}\``, { field });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new ConfigError(`${field} must be a redis:// or rediss:// URL, not \`${redactUrl(url)}\``, { field });
  if (parsed.hostname === '') throw new ConfigError(`${field} names no host: \`${redactUrl(url)}\``, { field });
  if (parsed.pathname !== '' && parsed.pathname !== '/' && !/^\/\d+$/.test(parsed.pathname)) {
    throw new ConfigError(`${field}: the path of a Redis URL is a database number (\`/0\`), not \`${parsed.pathname}\``, { field });
  }
}

/**
 * Connects to Redis, answering a PING first: an unreachable server (refused, unknown host, a timeout, a wrong
 * password) is an error within seconds that names the URL, its password hidden. The client is made for BullMQ
 * (`maxRetriesPerRequest: null`: blocking commands wait), and reconnects once it was up.
 *
 * ## Example
 * ```ts
 * const redis = await connectRedis('redis://127.0.0.1:6379');
 * await redis.set('k', 'v');
 * redis.disconnect();
 * ```
 * @throws {Error} `Redis at <url> is unreachable: <cause>`
 */
export async function connectRedis(url: string, options: RedisOptions = {}): Promise<Redis> {
  const Redis = await ioredis();
  let up = false;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    maxRetriesPerRequest: null,
    // Before the first answer, no retry: a wrong URL fails now. Once up, a dropped connection is tried again.
    retryStrategy: (times) => (up ? Math.min(times * 200, 2000) : null),
    ...options,
  });
  // The socket's own error (ECONNREFUSED, ENOTFOUND) says more than the closed connection it leads to. An error after
  // the first answer is ioredis reconnecting: the command that needs it reports it.
  let cause: unknown;
  client.on('error', (error: unknown) => (cause ??= up ? undefined : error));
  try {
    await client.connect();
    await client.ping();
    up = true;
    return client;
  } catch (error) {
    client.disconnect();
    throw new Error(`Redis at ${redactUrl(url)} is unreachable: ${redactUrl(errorMessage(cause ?? error))}`);
  }
}
