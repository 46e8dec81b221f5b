import { describe, expect, test } from 'vitest';
import type { SharedKeptLog } from '../../lib/distributed/dedupe-sharing.ts';
import { KeptLogCursor, recordOwners } from '../../lib/distributed/kept-log-cursor.ts';

/** A kept log in memory, as Redis keeps it: compare-and-append, newer entries on a refusal. */
function memoryLog(): SharedKeptLog & { readonly entries: Uint8Array[] } {
  const entries: Uint8Array[] = [];
  return {
    entries,
    async append(length, entry) {
      if (entries.length < length) throw new Error('the log is shorter than what was read');
      if (entries.length > length) return entries.slice(length);
      entries.push(entry);
      return undefined;
    },
  };
}

const text = (entry: Uint8Array) => new TextDecoder().decode(entry);
/** A log entry's text, past its owner (a 2-byte length and the owner's name). */
const logged = (entry: Uint8Array) => text(entry.subarray(2 + Buffer.from(entry).readUInt16BE(0)));
const entryOf = (value: string) => new TextEncoder().encode(value);

/** A process keeping a set of texts through the log. */
function process(log: SharedKeptLog) {
  const kept = new Set<string>();
  const cursor = new KeptLogCursor(log, (entry) => kept.add(text(entry)));
  const admit = (value: string) =>
    cursor.decide(`owner-${value}`, () => (kept.has(value) ? { decision: 'duplicate', entry: undefined } : { decision: 'kept', entry: entryOf(value) }));
  return { kept, cursor, admit };
}

describe('KeptLogCursor', () => {
  test('appends what it keeps, replays its own entry, and decides again after replaying what others kept first', async () => {
    const log = memoryLog();
    const [first, second] = [process(log), process(log)];
    expect(await first.admit('a')).toBe('kept');
    expect(await first.admit('b')).toBe('kept');
    expect(first.cursor.seen).toBe(2);
    // `second` has read nothing: its append at 0 is refused, it replays a and b, and `a` is then a duplicate.
    expect(await second.admit('a')).toBe('duplicate');
    expect(second.cursor.seen).toBe(2);
    expect(await second.admit('c')).toBe('kept');
    expect(log.entries.map(logged)).toEqual(['a', 'b', 'c']);
    expect([...second.kept]).toEqual(['a', 'b', 'c']);
  });

  test('a duplicate of what it has read costs no append', async () => {
    let appends = 0;
    const inner = memoryLog();
    const log: SharedKeptLog = { append: (length, entry) => (appends++, inner.append(length, entry)) };
    const one = process(log);
    await one.admit('a');
    expect(await one.admit('a')).toBe('duplicate');
    expect(appends).toBe(1);
  });

  test('of two processes keeping the same text at once, exactly one keeps it', async () => {
    const log = memoryLog();
    const [first, second] = [process(log), process(log)];
    const decisions = await Promise.all([first.admit('x'), second.admit('x')]);
    expect(decisions.sort()).toEqual(['duplicate', 'kept']);
    expect(log.entries.map(logged)).toEqual(['x']);
  });

  test('one decision at a time; a log that refuses without newer entries, or fails, rejects', async () => {
    const one = process(memoryLog());
    const pending = one.admit('a');
    await expect(one.admit('b')).rejects.toThrow(/while another decision was pending/);
    await pending;
    const stuck = new KeptLogCursor({ append: async () => [] }, () => undefined);
    await expect(stuck.decide('o', () => ({ decision: 1, entry: entryOf('a') }))).rejects.toThrow(/refused an append at 0 entries but gave no newer entry/);
    const broken = new KeptLogCursor({ append: () => Promise.reject(new Error('down')) }, () => undefined);
    await expect(broken.decide('o', () => ({ decision: 1, entry: entryOf('a') }))).rejects.toThrow('down');
    expect(await broken.decide('o', () => ({ decision: 2, entry: undefined }))).toBe(2);
  });

  test('remembers which record appended each entry, so a record run again finds its own', async () => {
    const log = memoryLog();
    const first = process(log);
    await first.admit('a');
    const second = process(log);
    await second.admit('b');
    expect(second.cursor.ownerOf(entryOf('a'))).toBe('owner-a');
    expect(second.cursor.ownerOf(entryOf('b'))).toBe('owner-b');
    expect(second.cursor.ownerOf(entryOf('c'))).toBeUndefined();
    const owners = recordOwners();
    expect([owners('1-x'), owners('1-x'), owners('2-y')]).toEqual(['1-x#0', '1-x#1', '2-y#0']);
  });
});
