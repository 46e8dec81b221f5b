import { afterEach, describe, expect, test } from 'vitest';
import { DatastoreError } from '../../lib/errors/datastore-error.ts';
import { accepted, fanOut, rejected } from '../../lib/outcome.ts';
import type { Accepted, DataPoint, Outcome } from '../../lib/record.ts';
import { openJsonlLedgerStore } from '../../lib/store/jsonl-ledger-store.ts';
import { type CommitBatch, type LedgerStore, type LedgerSummary, type RestoredRecord, type Settlement, emptySummary, idField } from '../../lib/store/ledger.ts';
import { openSqliteLedgerStore } from '../../lib/store/sqlite-ledger-store.ts';
import { type Ledger, type LedgerOptions, createLedger } from '../../lib/store/task-ledger.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { offer } from '../helpers/offer.ts';

type OpenStore = (dir: string) => LedgerStore | Promise<LedgerStore>;

const stores: readonly (readonly [string, OpenStore])[] = [
  ['jsonl', openJsonlLedgerStore],
  ['sqlite', openSqliteLedgerStore],
];

/** A record of the `qa` task. */
const record = (text: string): DataPoint => ({ task_name: 'qa', is_seed: false, text });

/** A record as the ledger writes it: stamped with its input's id. */
const stamped = (text: string, id: string): DataPoint => ({ ...record(text), [idField]: id });

/** A commit schedule the test runs by hand: `schedule` collects the commits, `run` carries them out. */
function manualSchedule(): { readonly schedule: (commit: () => void) => void; readonly run: () => void; readonly pending: () => number } {
  const commits: (() => void)[] = [];
  return {
    schedule: (commit) => commits.push(commit),
    run: () => {
      for (const commit of commits.splice(0)) commit();
    },
    pending: () => commits.length,
  };
}

/** The store with every batch it commits recorded. */
function recording(store: LedgerStore): { readonly store: LedgerStore; readonly batches: CommitBatch[] } {
  const batches: CommitBatch[] = [];
  const wrapped: LedgerStore = {
    kind: store.kind,
    get summary() {
      return store.summary;
    },
    repairs: store.repairs,
    records: () => store.records(),
    commit(batch) {
      batches.push(batch);
      store.commit(batch);
    },
    copyRecordsAsJsonl: (path) => store.copyRecordsAsJsonl?.(path) ?? false,
    close: () => store.close(),
  };
  return { store: wrapped, batches };
}

async function collect(records: AsyncIterable<RestoredRecord>): Promise<RestoredRecord[]> {
  const all: RestoredRecord[] = [];
  for await (const restored of records) all.push(restored);
  return all;
}

/** Whether a promise has settled by the time the microtasks queued now have run. */
async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await Promise.resolve();
  await Promise.resolve();
  return settled;
}

/** The one settlement promise of an offer that completes its input. */
function settling(ledger: Ledger, outcome: Outcome<DataPoint>): Promise<Settlement> {
  const promise = offer(ledger, outcome);
  if (!promise) throw new Error(`offering ${outcome.id} did not complete its input`);
  return promise;
}

/** Issues `sequence`, offers one accepted record for it and commits at once. */
async function commitOne(ledger: Ledger, sequence: number, text = `record ${sequence}`): Promise<Settlement> {
  const ticket = ledger.issue(sequence, `key ${sequence}`);
  const promise = settling(ledger, accepted(ticket.id, record(text)));
  ledger.flush();
  return promise;
}

/** A summary without its dataloader position. */
const countsOf = ({ records, rejected, next, unsettled }: LedgerSummary) => ({ records, rejected, next, unsettled });

const idPattern = /^\d+-[0-9a-f]{12}$/;

describe.each(stores)('createLedger over the %s store', (_kind, openStore) => {
  const opened: Ledger[] = [];
  afterEach(() => {
    for (const ledger of opened.splice(0)) ledger.close();
  });

  /** Opens the store in `dir` and a ledger over it, closed after the test. */
  async function openLedger(dir: string, options: Partial<LedgerOptions> = {}): Promise<Ledger> {
    const ledger = createLedger(await openStore(dir), { taskName: 'qa', concurrency: 8, ...options });
    opened.push(ledger);
    return ledger;
  }

  /** Closes a ledger this spec opened (so the next open of its folder sees every commit). */
  function close(ledger: Ledger): void {
    opened.splice(opened.indexOf(ledger), 1);
    ledger.close();
  }

  describe('issue and offer', () => {
    test('the promise resolves only after the commit, with the records stamped `rxdgt_id`', async () => {
      const { schedule, run, pending } = manualSchedule();
      const ledger = await openLedger(tempDir(), { schedule });
      const ticket = ledger.issue(0, 'seed draw 0');
      const promise = settling(ledger, accepted(ticket.id, record('a')));
      expect(pending()).toBe(1);
      expect(await hasSettled(promise)).toBe(false);
      expect(ledger.records).toBe(0);
      run();
      expect(await hasSettled(promise)).toBe(true);
      expect(await promise).toEqual({ ticket, records: [stamped('a', ticket.id)], rejections: [], beyondTarget: 0, usage: undefined });
      expect(ledger.records).toBe(1);
      expect(ledger.inFlight).toBe(0);
      expect(await collect(ledger.restored())).toEqual([{ record: stamped('a', ticket.id), sequence: 0 }]);
    });

    test('inputs settled in one turn are written in one commit', async () => {
      const { schedule, run, pending } = manualSchedule();
      const { store, batches } = recording(await openStore(tempDir()));
      const ledger = createLedger(store, { taskName: 'qa', concurrency: 8, schedule });
      opened.push(ledger);
      const first = ledger.issue(0, 'a');
      const second = ledger.issue(1, 'b');
      const promises = [settling(ledger, accepted(first.id, record('a'))), settling(ledger, accepted(second.id, record('b')))];
      expect(pending()).toBe(1);
      run();
      expect((await Promise.all(promises)).map(({ ticket }) => ticket)).toEqual([first, second]);
      expect(batches).toHaveLength(1);
      expect(batches[0]!.records).toEqual([stamped('a', first.id), stamped('b', second.id)]);
      expect(batches[0]!.summary).toEqual({ records: 2, rejected: 0, next: 2, unsettled: [], position: undefined });
    });

    test('without a schedule, the commit runs by itself soon after', async () => {
      const ledger = await openLedger(tempDir());
      const ticket = ledger.issue(0, 'a');
      const settlement = await settling(ledger, accepted(ticket.id, record('a')));
      expect(settlement.records).toEqual([stamped('a', ticket.id)]);
      expect(ledger.records).toBe(1);
    });

    test('flush commits at once, and the scheduled commit then finds nothing to do', async () => {
      const { schedule, run } = manualSchedule();
      const { store, batches } = recording(await openStore(tempDir()));
      const ledger = createLedger(store, { taskName: 'qa', concurrency: 8, schedule });
      opened.push(ledger);
      const ticket = ledger.issue(0, 'a');
      const promise = settling(ledger, accepted(ticket.id, record('a')));
      ledger.flush();
      expect(ledger.records).toBe(1);
      run();
      await promise;
      expect(batches).toHaveLength(1);
    });

    test('rejections are kept: in the settlement and counted in the summary', async () => {
      const dir = tempDir();
      const ledger = await openLedger(dir, { schedule: () => {} });
      const ticket = ledger.issue(0, 'a');
      const rejection = rejected(accepted(ticket.id, record('bad')), [{ code: 'invalid_record', message: 'no answer', block: 'validator' }]);
      const promise = settling(ledger, rejection);
      ledger.flush();
      expect(await promise).toEqual({ ticket, records: [], rejections: [rejection], beyondTarget: 0, usage: undefined });
      close(ledger);
      expect(countsOf((await openLedger(dir)).summary)).toEqual({ records: 0, rejected: 1, next: 1, unsettled: [] });
    });

    test('`onCommit` is told of each settlement in commit order, once the commit is written', async () => {
      const told: (readonly [number, number])[] = [];
      const ledger: Ledger = await openLedger(tempDir(), { schedule: () => {}, onCommit: ({ ticket }) => told.push([ticket.sequence, ledger.records]) });
      const [first, second] = [ledger.issue(0, 'a'), ledger.issue(1, 'b')];
      const promises = [settling(ledger, accepted(second!.id, record('b'))), settling(ledger, accepted(first!.id, record('a')))];
      expect(told).toEqual([]);
      ledger.flush();
      // Both inputs went in one commit: each is told with the records of the whole commit counted.
      expect(told).toEqual([
        [1, 2],
        [0, 2],
      ]);
      await Promise.all(promises);
    });
  });

  describe('ids', () => {
    test('an id is `<sequence>-<12 hex digits>`', async () => {
      const ledger = await openLedger(tempDir());
      const ticket = ledger.issue(42, 'row 42');
      expect(ticket.sequence).toBe(42);
      expect(ticket.id).toMatch(idPattern);
      expect(ticket.id.startsWith('42-')).toBe(true);
    });

    test('the same task, sequence and key give the same id in another ledger', async () => {
      const first = (await openLedger(tempDir())).issue(3, 'row 3');
      const second = (await openLedger(tempDir())).issue(3, 'row 3');
      expect(second).toEqual(first);
    });

    test('a different key, sequence or task gives a different id', async () => {
      const ledger = await openLedger(tempDir());
      const other = await openLedger(tempDir(), { taskName: 'other' });
      const id = ledger.issue(3, 'row 3').id;
      // An input is issued once while in flight: the same sequence with another key is asked of a second ledger.
      expect((await openLedger(tempDir())).issue(3, 'row 3 changed').id).not.toBe(id);
      expect(ledger.issue(4, 'row 3').id.slice(2)).not.toBe(id.slice(2));
      expect(other.issue(3, 'row 3').id).not.toBe(id);
    });
  });

  describe('fan-out', () => {
    test('shares [1, 3] × 3 settle the input only at the third outcome, in any order', async () => {
      const ledger = await openLedger(tempDir(), { schedule: () => {} });
      const ticket = ledger.issue(0, 'a');
      const [first, second, third] = fanOut(accepted(ticket.id, record('parent')), [record('x'), record('y'), record('z')], 'split');
      expect(offer(ledger, third!)).toBeUndefined();
      expect(offer(ledger, first!)).toBeUndefined();
      const promise = settling(ledger, second!);
      ledger.flush();
      expect((await promise).records).toEqual([stamped('z', ticket.id), stamped('x', ticket.id), stamped('y', ticket.id)]);
      expect(ledger.settledBelow).toBe(1);
    });

    test('shares [1, 2] then [1, 4] × 2 (a fan-out of a fan-out) settle the input', async () => {
      const ledger = await openLedger(tempDir(), { schedule: () => {} });
      const ticket = ledger.issue(0, 'a');
      const [left, right] = fanOut(accepted(ticket.id, record('parent')), [record('left'), record('right')], 'split') as Accepted<DataPoint>[];
      const [rightA, rightB] = fanOut(right!, [record('right a'), record('right b')], 'split again');
      expect([left!.share, rightA!.share, rightB!.share]).toEqual([
        [1, 2],
        [1, 4],
        [1, 4],
      ]);
      expect(offer(ledger, left!)).toBeUndefined();
      expect(offer(ledger, rightA!)).toBeUndefined();
      const promise = settling(ledger, rightB!);
      ledger.flush();
      expect((await promise).records).toHaveLength(3);
    });

    test('an outcome of an input not in flight throws, and so does one offered after its input settled', async () => {
      const ledger = await openLedger(tempDir(), { schedule: () => {} });
      expect(() => offer(ledger, accepted('9-000000000000', record('a')))).toThrow(
        'the builder emitted an outcome of input `9-000000000000`, which is not in flight (settled already, or never issued)',
      );
      const ticket = ledger.issue(0, 'a');
      await commitOneOf(ledger, accepted(ticket.id, record('a')));
      expect(() => offer(ledger, accepted(ticket.id, record('again')))).toThrow(`outcome of input \`${ticket.id}\`, which is not in flight`);
    });

    test('shares adding up to more than one throw', async () => {
      const ledger = await openLedger(tempDir(), { schedule: () => {} });
      const ticket = ledger.issue(0, 'a');
      expect(offer(ledger, { ...accepted(ticket.id, record('a')), share: [2, 3] })).toBeUndefined();
      expect(() => offer(ledger, { ...accepted(ticket.id, record('b')), share: [2, 3] })).toThrow(
        `the outcomes of input \`${ticket.id}\` have shares adding up to more than one`,
      );
    });
  });

  describe('target', () => {
    test('records past the target are not written and are reported as `beyondTarget`', async () => {
      const dir = tempDir();
      const ledger = await openLedger(dir, { target: 3, schedule: () => {} });
      const first = ledger.issue(0, 'a');
      const second = ledger.issue(1, 'b');
      const firstOutcomes = fanOut(accepted(first.id, record('parent')), [record('a1'), record('a2')], 'split');
      const secondOutcomes = fanOut(accepted(second.id, record('parent')), [record('b1'), record('b2')], 'split');
      const promises = [...firstOutcomes, ...secondOutcomes].map((outcome) => offer(ledger, outcome)).filter((promise) => promise !== undefined);
      ledger.flush();
      const [kept, capped] = await Promise.all(promises);
      expect([kept!.records.length, kept!.beyondTarget]).toEqual([2, 0]);
      expect(capped!.records).toEqual([stamped('b1', second.id)]);
      expect(capped!.beyondTarget).toBe(1);
      expect(ledger.records).toBe(3);
      expect((await collect(ledger.restored())).map(({ record }) => record['text'])).toEqual(['a1', 'a2', 'b1']);
    });
  });

  describe('room', () => {
    test('is min(concurrency − in flight, target − records − in flight) while every input keeps one record', async () => {
      const { schedule, run } = manualSchedule();
      const ledger = await openLedger(tempDir(), { concurrency: 3, target: 4, schedule });
      expect(ledger.room()).toBe(3);
      const tickets = [ledger.issue(0, 'a'), ledger.issue(1, 'b')];
      expect(ledger.room()).toBe(1); // min(3 − 2, 4 − 0 − 2)
      const promise = settling(ledger, accepted(tickets[0]!.id, record('a')));
      expect([ledger.inFlight, ledger.room()]).toEqual([2, 1]); // queued for the commit: still in flight
      run();
      await promise;
      expect([ledger.records, ledger.inFlight, ledger.room()]).toEqual([1, 1, 2]); // min(3 − 1, 4 − 1 − 1)
      ledger.issue(2, 'c');
      ledger.issue(3, 'd');
      expect(ledger.room()).toBe(0); // min(3 − 3, 4 − 1 − 3)
    });

    test('the records still needed bound it before the concurrency does', async () => {
      const ledger = await openLedger(tempDir(), { concurrency: 10, target: 2, schedule: () => {} });
      await commitOne(ledger, 0);
      expect(ledger.room()).toBe(1);
      ledger.issue(1, 'b');
      expect(ledger.room()).toBe(0);
    });

    test('a queued input that kept no record leaves its place in the target free', async () => {
      const ledger = await openLedger(tempDir(), { concurrency: 10, target: 2, schedule: () => {} });
      const ticket = ledger.issue(0, 'a');
      offer(ledger, rejected(accepted(ticket.id, record('a')), [{ code: 'invalid_record', message: 'no', block: 'validator' }]));
      expect([ledger.inFlight, ledger.room()]).toEqual([1, 2]);
    });

    test('counts the records earlier runs committed', async () => {
      const dir = tempDir();
      const first = await openLedger(dir, { schedule: () => {} });
      await commitOne(first, 0);
      await commitOne(first, 1);
      close(first);
      expect((await openLedger(dir, { concurrency: 10, target: 5 })).room()).toBe(3);
    });
  });

  describe('reopening', () => {
    /**
     * Issues inputs 0 to 3, commits 3, 0 and 2 (in that order, one commit each) and leaves 1 in flight; returns the
     * summary of each commit.
     */
    async function commitWithGap(dir: string, options: Partial<LedgerOptions> = {}): Promise<{ ids: string[]; summaries: LedgerSummary[] }> {
      const positionOf = (settledBelow: number) => ({ iter_index: 0, row_index: settledBelow });
      const { store, batches } = recording(await openStore(dir));
      const ledger = createLedger(store, { taskName: 'qa', concurrency: 8, positionOf, schedule: () => {}, ...options });
      const tickets = [0, 1, 2, 3].map((sequence) => ledger.issue(sequence, `key ${sequence}`));
      for (const sequence of [3, 0, 2]) await commitOneOf(ledger, accepted(tickets[sequence]!.id, record(`record ${sequence}`)));
      ledger.close();
      return { ids: tickets.map(({ id }) => id), summaries: batches.map(({ summary }) => summary) };
    }

    test('each commit lists the inputs below `next` still in flight as `unsettled`, and saves the position of the first', async () => {
      const { summaries } = await commitWithGap(tempDir());
      expect(summaries.map(({ next, unsettled, position }) => ({ next, unsettled, position }))).toEqual([
        { next: 4, unsettled: [0, 1, 2], position: { iter_index: 0, row_index: 0 } },
        { next: 4, unsettled: [1, 2], position: { iter_index: 0, row_index: 1 } },
        { next: 4, unsettled: [1], position: { iter_index: 0, row_index: 1 } },
      ]);
    });

    test('gives the summary of the last commit', async () => {
      const dir = tempDir();
      const { summaries } = await commitWithGap(dir);
      expect(summaries.at(-1)).toEqual({ records: 3, rejected: 0, next: 4, unsettled: [1], position: { iter_index: 0, row_index: 1 } });
      expect((await openLedger(dir)).summary).toEqual(summaries.at(-1));
    });

    test('`restored()` streams every record in commit order with its sequence', async () => {
      const dir = tempDir();
      const { ids } = await commitWithGap(dir);
      expect(await collect((await openLedger(dir)).restored())).toEqual([
        { record: stamped('record 3', ids[3]!), sequence: 3 },
        { record: stamped('record 0', ids[0]!), sequence: 0 },
        { record: stamped('record 2', ids[2]!), sequence: 2 },
      ]);
    });

    test('`isSettled` holds below `next`, but for the inputs in `unsettled`', async () => {
      const dir = tempDir();
      await commitWithGap(dir);
      const ledger = await openLedger(dir);
      expect([0, 1, 2, 3, 4].map((sequence) => ledger.isSettled(sequence))).toEqual([true, false, true, true, false]);
      expect(ledger.settledBelow).toBe(1);
    });

    test('settling the gap in the next run empties `unsettled` and moves the low mark to `next`', async () => {
      const dir = tempDir();
      await commitWithGap(dir);
      const ledger = await openLedger(dir, { schedule: () => {} });
      await commitOne(ledger, 1);
      expect(ledger.settledBelow).toBe(4);
      close(ledger);
      expect((await openLedger(dir)).summary).toMatchObject({ records: 4, next: 4, unsettled: [] });
    });

    test('an input in flight past the last settled one is not listed, and is not settled on reopen', async () => {
      const dir = tempDir();
      const { store, batches } = recording(await openStore(dir));
      const first = createLedger(store, { taskName: 'qa', concurrency: 8, schedule: () => {} });
      first.issue(1, 'key 1');
      await commitOne(first, 0);
      first.close();
      expect(countsOf(batches.at(-1)!.summary)).toEqual({ records: 1, rejected: 0, next: 1, unsettled: [] });
      const reopened = await openLedger(dir);
      expect([0, 1].map((sequence) => reopened.isSettled(sequence))).toEqual([true, false]);
    });

    test('one input in flight while many later ones settle is the one entry of `unsettled`', async () => {
      const dir = tempDir();
      const { store, batches } = recording(await openStore(dir));
      const ledger = createLedger(store, { taskName: 'qa', concurrency: 8, schedule: () => {} });
      ledger.issue(0, 'a slow input');
      for (let sequence = 1; sequence <= 20; sequence += 1) await commitOne(ledger, sequence);
      ledger.close();
      expect(batches.map(({ summary }) => summary.unsettled)).toEqual(Array.from({ length: 20 }, () => [0]));
      const reopened = await openLedger(dir);
      expect(countsOf(reopened.summary)).toEqual({ records: 20, rejected: 0, next: 21, unsettled: [0] });
      expect([reopened.isSettled(0), reopened.isSettled(20), reopened.settledBelow]).toEqual([false, true, 0]);
    });

    test("every commit saves the input's fingerprint, and a reopen gives it back", async () => {
      const dir = tempDir();
      const { summaries } = await commitWithGap(dir, { input: '0123456789abcdef' });
      expect(summaries.map(({ input }) => input)).toEqual(['0123456789abcdef', '0123456789abcdef', '0123456789abcdef']);
      expect((await openLedger(dir)).summary.input).toBe('0123456789abcdef');
    });

    test('records committed in this run are streamed after those of earlier runs', async () => {
      const dir = tempDir();
      const first = await openLedger(dir, { schedule: () => {} });
      await commitOne(first, 0, 'earlier');
      close(first);
      const second = await openLedger(dir, { schedule: () => {} });
      await commitOne(second, 1, 'later');
      expect((await collect(second.restored())).map(({ record, sequence }) => [record['text'], sequence])).toEqual([
        ['earlier', 0],
        ['later', 1],
      ]);
    });
  });
});

/** Offers the one outcome of an issued input and commits it at once. */
async function commitOneOf(ledger: Ledger, outcome: Outcome<DataPoint>): Promise<Settlement> {
  const promise = settling(ledger, outcome);
  ledger.flush();
  return promise;
}

describe('createLedger over a store whose commit fails', () => {
  /** A store that refuses every commit with `failure`, counting the attempts. */
  function failingStore(failure: Error): LedgerStore & { readonly attempts: () => number } {
    let attempts = 0;
    return {
      kind: 'jsonl',
      summary: emptySummary,
      repairs: [],
      async *records() {},
      commit() {
        attempts += 1;
        throw failure;
      },
      close() {},
      attempts: () => attempts,
    };
  }

  test('rejects every promise queued for the failed commit with its error, keeps it in `failure`, and tells `onCommit` nothing', async () => {
    const failure = new DatastoreError('/out/qa/data.jsonl', 'append', Object.assign(new Error('full'), { code: 'ENOSPC' }));
    const { schedule, run } = manualSchedule();
    const told: Settlement[] = [];
    const ledger = createLedger(failingStore(failure), { taskName: 'qa', concurrency: 8, schedule, onCommit: (settlement) => told.push(settlement) });
    expect(ledger.failure).toBeUndefined();
    const tickets = [ledger.issue(0, 'a'), ledger.issue(1, 'b')];
    const results = Promise.allSettled(tickets.map((ticket) => settling(ledger, accepted(ticket.id, record(ticket.id)))));
    run();
    expect(await results).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    expect(ledger.failure).toBe(failure);
    expect(told).toEqual([]);
    expect([ledger.records, ledger.inFlight, ledger.settledBelow]).toEqual([0, 0, 0]);
  });

  test('rejects every later offer with the same error, without writing again', async () => {
    const failure = new Error('the disk is full');
    const store = failingStore(failure);
    const { schedule, run } = manualSchedule();
    const ledger = createLedger(store, { taskName: 'qa', concurrency: 8, schedule });
    const first = ledger.issue(0, 'a');
    const firstResult = Promise.allSettled([settling(ledger, accepted(first.id, record('a')))]);
    run();
    await firstResult;
    const later = ledger.issue(1, 'b');
    const laterResult = Promise.allSettled([settling(ledger, accepted(later.id, record('b')))]);
    run();
    expect(await laterResult).toEqual([{ status: 'rejected', reason: failure }]);
    expect(store.attempts()).toBe(1);
    expect(ledger.failure).toBe(failure);
  });
});
