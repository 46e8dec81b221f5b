import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { DatastoreError } from '../../lib/errors/datastore-error.ts';
import { accepted, rejected } from '../../lib/outcome.ts';
import type { DataPoint } from '../../lib/record.ts';
import { blockFileName, openJsonlLedgerStore } from '../../lib/store/jsonl-ledger-store.ts';
import type { LedgerStore, RestoredRecord, Settlement } from '../../lib/store/ledger.ts';
import { type Ledger, createLedger } from '../../lib/store/task-ledger.ts';
import { readLines } from '../helpers/read-lines.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { offer } from '../helpers/offer.ts';

const dataPathOf = (dir: string): string => join(dir, 'data.jsonl');
const statePathOf = (dir: string): string => join(dir, 'dataloader_state.jsonl');
const blockPathOf = (dir: string, block: string): string => join(dir, 'blocks', blockFileName(block));

const record = (text: string): DataPoint => ({ task_name: 'qa', is_seed: false, text });

/** The note a repair leaves for bytes past the last commit. */
const uncommittedNote = (path: string, bytes: number): string => `${path}: removed records written without their commit (the run was killed mid-write) (${bytes} bytes)`;
const tornNote = (path: string, bytes: number): string => `${path}: removed a torn last line (${bytes} bytes)`;

/** DGT's dataloader position for the first input not yet settled. */
const positionOf = (settledBelow: number) => ({ iter_index: 0, row_index: settledBelow });

/** The store in `dir` and a ledger over it that commits only when told (`flush`). */
async function openLedger(dir: string): Promise<{ store: LedgerStore; ledger: Ledger }> {
  const store = await openJsonlLedgerStore(dir);
  return { store, ledger: createLedger(store, { taskName: 'qa', concurrency: 100, positionOf, schedule: () => {} }) };
}

/** Issues `sequence`, offers its outcome (one accepted record, or a rejection by `block`) and commits it. */
async function commit(ledger: Ledger, sequence: number, text: string, block?: string): Promise<Settlement> {
  const ticket = ledger.issue(sequence, text);
  const outcome = accepted(ticket.id, record(text));
  const promise = offer(ledger, block ? rejected(outcome, [{ code: 'invalid_record', message: 'rejected for the test', block }]) : outcome);
  ledger.flush();
  return promise!;
}

/** Commits one record for each text, one commit each, in a fresh folder; closes the ledger. */
async function committedFolder(texts: readonly string[]): Promise<string> {
  const dir = tempDir();
  const { ledger } = await openLedger(dir);
  for (const [sequence, text] of texts.entries()) await commit(ledger, sequence, text);
  ledger.close();
  return dir;
}

/** The rxdgt bookkeeping of the last line of `dataloader_state.jsonl`: the last commit. */
const lastCommitOf = (dir: string): unknown => readLines(statePathOf(dir)).at(-1)?.['rxdgt'];

async function restoredTexts(store: LedgerStore): Promise<unknown[]> {
  const texts: unknown[] = [];
  for await (const { record } of store.records() as AsyncIterable<RestoredRecord>) texts.push(record['text']);
  return texts;
}

/** Opening `dir` fails with a ConfigError naming `file`; returns it. */
async function configErrorOf(dir: string, file: string): Promise<ConfigError> {
  const error: unknown = await openJsonlLedgerStore(dir).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(ConfigError.isInstance(error)).toBe(true);
  expect((error as ConfigError).file).toBe(file);
  return error as ConfigError;
}

describe('openJsonlLedgerStore crash repair', () => {
  test('rejections of two blocks that share a file name stay in commit order in that file', async () => {
    const dir = tempDir();
    const store = await openJsonlLedgerStore(dir);
    const rejections = [{ block: 'a b', line: { n: 1 } }, { block: 'a_b', line: { n: 2 } }, { block: 'a b', line: { n: 3 } }];
    store.commit({ records: [], rejections, summary: { ...store.summary, rejected: 3 } });
    store.close();
    expect(readFileSync(join(dir, 'blocks', blockFileName('a b')), 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  test('bytes appended to data.jsonl after the last commit are cut, with a note', async () => {
    const dir = await committedFolder(['a', 'b']);
    const committed = readFileSync(dataPathOf(dir));
    const tail = `${JSON.stringify({ ...record('c'), rxdgt_id: '2-000000000000' })}\n`;
    appendFileSync(dataPathOf(dir), tail);
    const store = await openJsonlLedgerStore(dir);
    expect(store.repairs).toEqual([uncommittedNote(dataPathOf(dir), Buffer.byteLength(tail))]);
    expect(store.summary.records).toBe(2);
    expect(readFileSync(dataPathOf(dir))).toEqual(committed);
    expect(await restoredTexts(store)).toEqual(['a', 'b']);
    store.close();
  });

  test('a torn last line of dataloader_state.jsonl is cut and the commit before it is used', async () => {
    const dir = await committedFolder(['a', 'b']);
    const { store: before } = await openLedger(dir);
    const summary = before.summary;
    before.close();
    const committedData = readFileSync(dataPathOf(dir));
    // A third commit killed mid-way: its record is written, its commit line only in part.
    const record3 = `${JSON.stringify(record('c'))}\n`;
    const tornState = '{"iter_index":0,"row_index":3,"rxdgt":{"version":2,"rec';
    appendFileSync(dataPathOf(dir), record3);
    appendFileSync(statePathOf(dir), tornState);
    const store = await openJsonlLedgerStore(dir);
    expect(store.repairs).toEqual([tornNote(statePathOf(dir), tornState.length), uncommittedNote(dataPathOf(dir), record3.length)]);
    expect(store.summary).toEqual(summary);
    expect(readFileSync(dataPathOf(dir))).toEqual(committedData);
    // The first, empty commit line of the fresh folder, and one line per commit.
    expect(readLines(statePathOf(dir))).toHaveLength(3);
    store.close();
  });

  test('a torn last line of a blocks file past its committed length is cut', async () => {
    const dir = tempDir();
    const { ledger } = await openLedger(dir);
    await commit(ledger, 0, 'bad', 'judge');
    ledger.close();
    const committed = readFileSync(blockPathOf(dir, 'judge'));
    const torn = '{"task_name":"qa","te';
    appendFileSync(blockPathOf(dir, 'judge'), torn);
    const store = await openJsonlLedgerStore(dir);
    expect(store.repairs).toEqual([uncommittedNote(blockPathOf(dir, 'judge'), torn.length)]);
    expect(readFileSync(blockPathOf(dir, 'judge'))).toEqual(committed);
    expect(store.summary.rejected).toBe(1);
    store.close();
  });

  test('a blocks file that no commit lists is left alone', async () => {
    const dir = await committedFolder(['a']);
    const line = '{"note":"a file of the user\'s"}\n{"torn":';
    mkdirSync(join(dir, 'blocks'));
    writeFileSync(blockPathOf(dir, 'notes'), line);
    const store = await openJsonlLedgerStore(dir);
    expect(store.repairs).toEqual([]);
    expect(readFileSync(blockPathOf(dir, 'notes'), 'utf8')).toBe(line);
    store.close();
  });

  test('a block file created by a commit that never finished is cut back to the length its registration line gave', async () => {
    const dir = tempDir();
    const { ledger } = await openLedger(dir);
    await commit(ledger, 0, 'a');
    const before = lastCommitOf(dir);
    await commit(ledger, 1, 'bad', 'judge');
    ledger.close();
    const lines = readFileSync(statePathOf(dir), 'utf8').split('\n').slice(0, -1);
    // The commit that met the block first: a line listing its file (still empty), the rejection, then the commit line.
    expect(lines.slice(-2).map((text) => (JSON.parse(text) as { rxdgt: unknown }).rxdgt)).toEqual([
      { ...(before as object), block_bytes: { 'judge.jsonl': 0 } },
      expect.objectContaining({ rejected: 1, next: 2, block_bytes: { 'judge.jsonl': statSync(blockPathOf(dir, 'judge')).size } }),
    ]);
    // Killed before its commit line: the registration line is the last commit.
    const rejection = readFileSync(blockPathOf(dir, 'judge'));
    writeFileSync(statePathOf(dir), `${lines.slice(0, -1).join('\n')}\n`);
    const store = await openJsonlLedgerStore(dir);
    expect(store.repairs).toEqual([uncommittedNote(blockPathOf(dir, 'judge'), rejection.length)]);
    expect(statSync(blockPathOf(dir, 'judge')).size).toBe(0);
    expect(store.summary).toMatchObject({ records: 1, rejected: 0, next: 1, unsettled: [] });
    store.close();
  });

  test('records appended after the first, empty commit line of a fresh folder are cut', async () => {
    const dir = tempDir();
    (await openJsonlLedgerStore(dir)).close();
    expect(readLines(statePathOf(dir))).toEqual([{ rxdgt: { version: 2, records: 0, rejected: 0, next: 0, unsettled: [], data_bytes: 0, block_bytes: {} } }]);
    // Killed during the first real commit: its records are written, its commit line is not.
    const tail = ['a', 'b'].map((text, sequence) => `${JSON.stringify({ ...record(text), rxdgt_id: `${sequence}-000000000000` })}\n`).join('');
    appendFileSync(dataPathOf(dir), tail);
    const store = await openJsonlLedgerStore(dir);
    expect(store.repairs).toEqual([uncommittedNote(dataPathOf(dir), Buffer.byteLength(tail))]);
    expect(statSync(dataPathOf(dir)).size).toBe(0);
    expect(store.summary).toEqual({ records: 0, rejected: 0, next: 0, unsettled: [], position: undefined });
    expect(readLines(statePathOf(dir))).toHaveLength(1);
    store.close();
  });

  test('a commit line of another version of rxdgt is a ConfigError naming the file', async () => {
    const dir = await committedFolder(['a']);
    appendFileSync(statePathOf(dir), '{"iter_index":0,"row_index":1,"rxdgt":{"version":1,"records":1,"rejected":0,"settled_below":1,"settled_above":[],"data_bytes":0}}\n');
    expect((await configErrorOf(dir, statePathOf(dir))).message).toBe(`${statePathOf(dir)}: was written by another version of rxdgt; start over with --restart`);
  });

  test('data.jsonl shorter than its last commit says is a ConfigError naming the file', async () => {
    const dir = await committedFolder(['a', 'b']);
    const size = statSync(dataPathOf(dir)).size;
    truncateSync(dataPathOf(dir), size - 5);
    const error = await configErrorOf(dir, dataPathOf(dir));
    expect(error.message).toBe(
      `${dataPathOf(dir)}: holds ${size - 5} bytes but its last commit recorded ${size}: it was changed outside rxdgt; restore it, or start over with --restart`,
    );
  });

  test('after repairs, new commits append cleanly and a reopen sees every record', async () => {
    const dir = await committedFolder(['a', 'b']);
    appendFileSync(dataPathOf(dir), '{"task_name":"qa","text":"lost"}\n{"task_name":"qa","te');
    appendFileSync(statePathOf(dir), '{"rxdgt":');
    const { store, ledger } = await openLedger(dir);
    expect(store.repairs).toHaveLength(2);
    await commit(ledger, 2, 'c');
    await commit(ledger, 3, 'd');
    ledger.close();
    const reopened = await openJsonlLedgerStore(dir);
    expect(reopened.repairs).toEqual([]);
    expect(reopened.summary).toMatchObject({ records: 4, next: 4, unsettled: [] });
    expect(await restoredTexts(reopened)).toEqual(['a', 'b', 'c', 'd']);
    expect(readLines(dataPathOf(dir)).map((line) => line['text'])).toEqual(['a', 'b', 'c', 'd']);
    // The fresh folder's first line and four commits.
    expect(readLines(statePathOf(dir))).toHaveLength(5);
    reopened.close();
  });
});

describe('openJsonlLedgerStore on files of an older run (no bookkeeping)', () => {
  /** DGT's layout without rxdgt's bookkeeping: three whole records, a torn fourth, and dataloader positions. */
  function olderRun(): string {
    const dir = tempDir();
    writeFileSync(dataPathOf(dir), `${['a', 'b', 'c'].map((text) => JSON.stringify(record(text))).join('\n')}\n{"task_name":"qa","te`);
    writeFileSync(statePathOf(dir), '{"row_index": 1}\n{"row_index": 2}\n{"row_index": 3}\n');
    return dir;
  }

  test('counts the whole records as settled, cuts the torn line, and writes a commit line at once', async () => {
    const dir = olderRun();
    const store = await openJsonlLedgerStore(dir);
    expect(store.summary).toEqual({ records: 3, rejected: 0, next: 3, unsettled: [], position: undefined });
    expect(store.repairs).toEqual([tornNote(dataPathOf(dir), '{"task_name":"qa","te'.length)]);
    expect(readFileSync(dataPathOf(dir), 'utf8').endsWith('"text":"c"}\n')).toBe(true);
    // DGT's lines are kept; the commit line after them covers the records as they are now.
    expect(readLines(statePathOf(dir))).toEqual([
      { row_index: 1 },
      { row_index: 2 },
      { row_index: 3 },
      { rxdgt: { version: 2, records: 3, rejected: 0, next: 3, unsettled: [], data_bytes: statSync(dataPathOf(dir)).size, block_bytes: {} } },
    ]);
    store.close();
  });

  test('the files are scanned once: a reopen uses the commit line and cuts what came after it', async () => {
    const dir = olderRun();
    (await openJsonlLedgerStore(dir)).close();
    const scanned = readFileSync(dataPathOf(dir));
    const tail = `${JSON.stringify(record('d'))}\n`;
    appendFileSync(dataPathOf(dir), tail);
    const store = await openJsonlLedgerStore(dir);
    expect(store.repairs).toEqual([uncommittedNote(dataPathOf(dir), tail.length)]);
    expect(readFileSync(dataPathOf(dir))).toEqual(scanned);
    expect(store.summary).toMatchObject({ records: 3, next: 3, unsettled: [] });
    expect(readLines(statePathOf(dir))).toHaveLength(4);
    store.close();
  });

  test('records with ids set `next` one past the highest sequence', async () => {
    const dir = tempDir();
    const lines = [0, 5, 2].map((sequence) => JSON.stringify({ ...record(`record ${sequence}`), rxdgt_id: `${sequence}-000000000000` }));
    writeFileSync(dataPathOf(dir), `${lines.join('\n')}\n`);
    const store = await openJsonlLedgerStore(dir);
    expect(store.summary).toEqual({ records: 3, rejected: 0, next: 6, unsettled: [], position: undefined });
    expect(lastCommitOf(dir)).toMatchObject({ records: 3, next: 6, unsettled: [] });
    store.close();
  });

  test('streams the records with an unknown sequence (-1)', async () => {
    const store = await openJsonlLedgerStore(olderRun());
    const restored: RestoredRecord[] = [];
    for await (const entry of store.records()) restored.push(entry);
    expect(restored).toEqual(['a', 'b', 'c'].map((text) => ({ record: record(text), sequence: -1 })));
    store.close();
  });

  test('cuts a torn last line of a blocks file', async () => {
    const dir = olderRun();
    mkdirSync(join(dir, 'blocks'));
    writeFileSync(blockPathOf(dir, 'judge'), '{"issues":[]}\n{"iss');
    const store = await openJsonlLedgerStore(dir);
    expect(store.repairs).toContain(tornNote(blockPathOf(dir, 'judge'), '{"iss'.length));
    expect(readFileSync(blockPathOf(dir, 'judge'), 'utf8')).toBe('{"issues":[]}\n');
    expect(lastCommitOf(dir)).toMatchObject({ block_bytes: { 'judge.jsonl': '{"issues":[]}\n'.length } });
    store.close();
  });

  test('new commits go after the old records, and a reopen counts them all', async () => {
    const dir = olderRun();
    const { ledger } = await openLedger(dir);
    await commit(ledger, 3, 'd');
    ledger.close();
    const store = await openJsonlLedgerStore(dir);
    expect(store.repairs).toEqual([]);
    expect(store.summary).toMatchObject({ records: 4, next: 4, unsettled: [] });
    expect(await restoredTexts(store)).toEqual(['a', 'b', 'c', 'd']);
    store.close();
  });
});

describe('openJsonlLedgerStore on files of the wrong kind', () => {
  test('data.jsonl that is a folder is a ConfigError naming it', async () => {
    const dir = tempDir();
    mkdirSync(dataPathOf(dir));
    expect((await configErrorOf(dir, dataPathOf(dir))).message).toBe(`${dataPathOf(dir)}: is a folder, expected a file`);
  });

  test('dataloader_state.jsonl that is a folder is a ConfigError naming it', async () => {
    const dir = tempDir();
    mkdirSync(statePathOf(dir));
    expect((await configErrorOf(dir, statePathOf(dir))).message).toBe(`${statePathOf(dir)}: is a folder, expected a file`);
  });

  test('blocks that is a file is a ConfigError naming it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'blocks'), '');
    expect((await configErrorOf(dir, join(dir, 'blocks'))).message).toBe(`${join(dir, 'blocks')}: is a file, expected a folder`);
  });

  test('blocks that is the folder of another task (it holds a .rxdgt.lock) is a ConfigError naming it, and nothing is written', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'blocks'));
    writeFileSync(join(dir, 'blocks', '.rxdgt.lock'), '');
    expect((await configErrorOf(dir, join(dir, 'blocks'))).message).toBe(
      `${join(dir, 'blocks')}: is the folder of another task, not this task's rejection logs: give one of the two tasks another \`task_name\` or \`store_name\``,
    );
    expect(readdirSync(dir)).toEqual(['blocks']);
  });
});

describe('blocks files', () => {
  test('blockFileName keeps letters, digits, `.`, `_` and `-`, turns the rest into `_`, and never starts with `.`', () => {
    expect(blockFileName('judge-1.v2_x')).toBe('judge-1.v2_x.jsonl');
    expect(blockFileName('llm judge/score')).toBe('llm_judge_score.jsonl');
    expect(blockFileName('../../escape')).toBe('_.._.._escape.jsonl');
    expect(blockFileName('.hidden')).toBe('_.hidden.jsonl');
  });

  test('a block named `../../escape` writes inside blocks/ and nothing outside the task folder', async () => {
    const root = tempDir();
    const dir = join(root, 'task');
    mkdirSync(dir);
    const { ledger } = await openLedger(dir);
    await commit(ledger, 0, 'bad', '../../escape');
    ledger.close();
    expect(readdirSync(root)).toEqual(['task']);
    expect(readdirSync(dir).sort()).toEqual(['blocks', 'data.jsonl', 'dataloader_state.jsonl']);
    expect(readdirSync(join(dir, 'blocks'))).toEqual(['_.._.._escape.jsonl']);
    expect(readLines(join(dir, 'blocks', '_.._.._escape.jsonl'))).toMatchObject([{ text: 'bad', issues: [{ block: '../../escape' }] }]);
  });
});

describe('a full disk', () => {
  const hasDevFull = existsSync('/dev/full');

  /** Replaces `path` with a link to /dev/full, where every write fails with ENOSPC; returns how to put it back. */
  function fillUp(path: string): () => void {
    const saved = `${path}.saved`;
    renameSync(path, saved);
    symlinkSync('/dev/full', path);
    return () => {
      rmSync(path);
      renameSync(saved, path);
    };
  }

  test.skipIf(!hasDevFull)('a commit whose records cannot be written throws a DatastoreError and commits nothing', async () => {
    const dir = await committedFolder(['a']);
    const { store, ledger } = await openLedger(dir);
    const summary = store.summary;
    const restore = fillUp(dataPathOf(dir));
    const result = await commit(ledger, 1, 'b').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(DatastoreError.isInstance(result)).toBe(true);
    expect((result as DatastoreError).message).toBe(`${dataPathOf(dir)}: cannot append: the disk is full`);
    expect((result as DatastoreError).code).toBe('ENOSPC');
    expect(ledger.failure).toBe(result);
    expect(store.summary).toEqual(summary);
    expect(ledger.records).toBe(1);
    ledger.close();
    restore();
    const reopened = await openJsonlLedgerStore(dir);
    expect([reopened.repairs, reopened.summary]).toEqual([[], summary]);
    reopened.close();
  });

  test.skipIf(!hasDevFull)('a commit line that cannot be written undoes the records written before it', async () => {
    const dir = await committedFolder(['a']);
    const committedData = readFileSync(dataPathOf(dir));
    const { store, ledger } = await openLedger(dir);
    const summary = store.summary;
    const restore = fillUp(statePathOf(dir));
    const result = await commit(ledger, 1, 'b').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((result as Error).message).toBe(`${statePathOf(dir)}: cannot append: the disk is full`);
    expect(readFileSync(dataPathOf(dir))).toEqual(committedData);
    expect(store.summary).toEqual(summary);
    ledger.close();
    restore();
    const reopened = await openJsonlLedgerStore(dir);
    expect([reopened.repairs, reopened.summary]).toEqual([[], summary]);
    reopened.close();
  });

  describe('on a real 64 KiB tmpfs', () => {
    let mountPoint: string | undefined;
    let mounted = false;

    beforeAll(() => {
      if (process.getuid?.() !== 0) return;
      mountPoint = mkdtempSync(join(tmpdir(), 'rxdgt-tmpfs-'));
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint], { stdio: 'ignore' });
        mounted = true;
      } catch {
        mounted = false;
      }
    });

    afterAll(() => {
      if (!mountPoint) return;
      if (mounted) execFileSync('umount', [mountPoint], { stdio: 'ignore' });
      rmSync(mountPoint, { recursive: true, force: true });
    });

    test.skipIf(process.getuid?.() !== 0)('commits until the disk is full leave whole lines, and a copy reopens at the last commit', async (context) => {
      context.skip(!mounted, 'mount -t tmpfs is not permitted here');
      const dir = mountPoint!;
      const { ledger } = await openLedger(dir);
      let commits = 0;
      let failure: unknown;
      for (let sequence = 0; sequence < 1_000 && failure === undefined; sequence += 1) {
        await commit(ledger, sequence, `${sequence} ${'x'.repeat(500)}`).then(
          () => (commits += 1),
          (error: unknown) => (failure = error),
        );
      }
      expect(DatastoreError.isInstance(failure)).toBe(true);
      expect((failure as DatastoreError).code).toBe('ENOSPC');
      expect((failure as DatastoreError).message).toMatch(/: cannot append: the disk is full$/);
      expect(commits).toBeGreaterThan(10);
      expect([ledger.records, ledger.failure]).toEqual([commits, failure]);
      ledger.close();
      const last = { records: commits, rejected: 0, next: commits, unsettled: [], position: positionOf(commits) };
      // Every line whole JSON: readLines parses each, and each file ends with its newline.
      expect(readLines(dataPathOf(dir))).toHaveLength(commits);
      // The fresh folder's first line and one line per commit.
      expect(readLines(statePathOf(dir))).toHaveLength(commits + 1);
      for (const path of [dataPathOf(dir), statePathOf(dir)]) expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);

      const copy = tempDir();
      cpSync(dir, copy, { recursive: true });
      const reopened = await openLedger(copy);
      expect([reopened.store.repairs, reopened.store.summary]).toEqual([[], last]);
      await commit(reopened.ledger, commits, 'after the disk was full');
      expect(reopened.ledger.records).toBe(commits + 1);
      reopened.ledger.close();
    });
  });
});
