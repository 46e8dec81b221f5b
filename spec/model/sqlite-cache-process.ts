/**
 * A second process for the shared-file tests of `sqlite-cache.spec.ts`, run with `node --import tsx`:
 * - `write <path> <count>` stores `child-0` … `child-<count-1>` through `openSqliteCache`, printing each index
 *   once it is written;
 * - `hold <path> <ms>` takes the file's write lock with a raw connection, prints `locked`, keeps the lock for
 *   `<ms>`, then commits and exits.
 * Any failure ends the process with a non-zero code and the error on stderr.
 */
import Database from 'better-sqlite3';
import { openSqliteCache } from '../../lib/model/sqlite-cache.ts';

const [mode, path, amount] = process.argv.slice(2);
if (path === undefined || amount === undefined) throw new Error('usage: write|hold <path> <count|ms>');

if (mode === 'write') {
  const cache = openSqliteCache(path);
  for (let index = 0; index < Number(amount); index += 1) {
    cache.set(`child-${index}`, { texts: [`answer ${index}`], finishReason: 'stop', usage: { promptTokens: index, completionTokens: 1 } });
    process.stdout.write(`${index}\n`);
  }
  cache.close();
} else if (mode === 'hold') {
  const database = new Database(path);
  database.exec('BEGIN IMMEDIATE');
  database.prepare('INSERT OR REPLACE INTO responses (key, value, created_at) VALUES (?, ?, ?)').run('held', '{"texts":[]}', 0);
  process.stdout.write('locked\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(amount));
  database.exec('COMMIT');
  database.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
