import { afterEach, describe, expect, test } from 'vitest';
import { type SharedKeptLog, dedupeScope, shareDedupe, sharedKeptLogOf, withDedupeScope } from '../../lib/distributed/dedupe-sharing.ts';

const log: SharedKeptLog = { append: async () => undefined };

afterEach(() => shareDedupe(undefined));

describe('shareDedupe, withDedupeScope, sharedKeptLogOf', () => {
  test('without the switch, blocks keep local state, in a scope or not', () => {
    expect(sharedKeptLogOf('dedup')).toBeUndefined();
    expect(withDedupeScope('t', () => sharedKeptLogOf('dedup'))).toBeUndefined();
  });

  test('with it, a block subscribed in a scope opens the log of `<task key>:<block name>`', () => {
    const scopes: string[] = [];
    shareDedupe((scope) => (scopes.push(scope), log));
    expect(withDedupeScope('task-1', () => sharedKeptLogOf('dedup'))).toBe(log);
    expect(withDedupeScope('run:2', () => withDedupeScope('task-3', () => sharedKeptLogOf('b')))).toBe(log);
    expect(scopes).toEqual(['task-1:dedup', 'task-3:b']);
    expect(dedupeScope('task-1', 'dedup')).toBe('task-1:dedup');
  });

  test('the scope follows asynchronous work started inside it', async () => {
    const scopes: string[] = [];
    shareDedupe((scope) => (scopes.push(scope), log));
    await withDedupeScope('task-a', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      sharedKeptLogOf('late');
    });
    expect(scopes).toEqual(['task-a:late']);
  });

  test('with it, a block subscribed outside any scope throws, naming the block', () => {
    shareDedupe(() => log);
    expect(() => sharedKeptLogOf('dedup')).toThrow(/dedupe block `dedup` was subscribed outside withDedupeScope/);
    shareDedupe(undefined);
    expect(sharedKeptLogOf('dedup')).toBeUndefined();
  });
});
