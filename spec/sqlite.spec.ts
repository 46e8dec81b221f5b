import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../lib/errors/config-error.ts';
import { openDatabase, requireSqlite } from '../lib/sqlite.ts';
import { tempDir } from './helpers/temp-dir.ts';

const cache = { feature: 'the disk cache (`lm_cache`)', file: 'cache.db', field: 'lm_cache' } as const;

function moduleNotFound(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- /app/node_modules/rxdgt/dist/index.cjs`), { code: 'MODULE_NOT_FOUND' });
}

describe('requireSqlite', () => {
  test('a missing better-sqlite3 is a ConfigError naming the feature, the file, the field and the install command', () => {
    const missing = moduleNotFound('better-sqlite3');
    let thrown: unknown;
    try {
      requireSqlite(cache, () => {
        throw missing;
      });
    } catch (error) {
      thrown = error;
    }
    expect(ConfigError.isInstance(thrown)).toBe(true);
    const error = thrown as ConfigError;
    expect(error.message).toBe(
      'cache.db: field `lm_cache`: the disk cache (`lm_cache`) needs the optional package better-sqlite3, which is not installed (left out by `--omit=optional`, or its native addon failed to build): install it with `npm install better-sqlite3@12`',
    );
    expect([error.file, error.field, error.cause]).toEqual(['cache.db', 'lm_cache', missing]);
  });

  test('an addon that cannot be loaded says so and how to rebuild it', () => {
    const broken = Object.assign(new Error('was compiled against a different Node.js version'), { code: 'ERR_DLOPEN_FAILED' });
    expect(() =>
      requireSqlite(cache, () => {
        throw broken;
      }),
    ).toThrow(/the disk cache \(`lm_cache`\) needs better-sqlite3, which cannot be loaded \(was compiled against a different Node\.js version\): rebuild it with `npm rebuild better-sqlite3`/);
  });

  test('another missing module (one better-sqlite3 needs, say) is not reported as better-sqlite3 missing', () => {
    expect(() =>
      requireSqlite(cache, () => {
        throw moduleNotFound('bindings');
      }),
    ).toThrow(/cannot be loaded \(Cannot find module 'bindings'/);
  });

  test('when installed, it loads the module and databases open', () => {
    const Sqlite = requireSqlite(cache);
    expect(typeof Sqlite).toBe('function');
    const database = openDatabase(join(tempDir(), 'a.db'));
    expect(database.prepare('SELECT 1 + 1 AS two').get()).toEqual({ two: 2 });
    database.close();
  });
});
