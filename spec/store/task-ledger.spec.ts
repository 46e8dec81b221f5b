import { describe, expect, test } from 'vitest';
import type { DataPoint, Outcome } from '../../lib/record.ts';
import { type CommitBatch, type LedgerStore, emptySummary } from '../../lib/store/ledger.ts';
import { type CommitListener, createLedger } from '../../lib/store/task-ledger.ts';
import { offer } from '../helpers/offer.ts';

/** A store keeping its commits in memory. */
function memoryStore(): LedgerStore & { readonly batches: CommitBatch[] } {
  const batches: CommitBatch[] = [];
  return { kind: 'jsonl', summary: emptySummary, repairs: [], batches, records: async function* () {}, commit: (batch) => void batches.push(batch), close: () => undefined };
}

describe('createLedger', () => {
  test('stamps each record with its input id, last or in its own place, and writes each as its JSON text', async () => {
    const store = memoryStore();
    const ledger = createLedger(store, { taskName: 't', concurrency: 4, schedule: (commit) => queueMicrotask(commit) });
    const first = ledger.issue(0, 'k');
    const second = ledger.issue(1, 'k');
    const settled = [
      offer(ledger, { status: 'accepted', id: first.id, record: { question: 'q', answer: 'a' } as unknown as DataPoint }),
      offer(ledger, { status: 'accepted', id: second.id, record: { rxdgt_id: 'old', question: 'r' } as unknown as DataPoint }),
    ];
    await Promise.all(settled);
    const [batch] = store.batches;
    expect(batch!.recordTexts).toEqual([`{"question":"q","answer":"a","rxdgt_id":"${first.id}"}`, `{"rxdgt_id":"${second.id}","question":"r"}`]);
    expect(batch!.records.map((record) => JSON.stringify(record))).toEqual(batch!.recordTexts);
  });

  test("logs a rejection's record without a seed batch, with its input id and issues", async () => {
    const store = memoryStore();
    const ledger = createLedger(store, { taskName: 't', concurrency: 4, schedule: (commit) => queueMicrotask(commit) });
    const tickets = [ledger.issue(0, 'k'), ledger.issue(1, 'k'), ledger.issue(2, 'k')];
    const issues = [{ code: 'duplicate', message: 'a duplicate', block: 'dedup' }];
    const records: unknown[] = [{ examples: [{ question: 'seed' }], seed: 3, task_name: 't' }, { question: 'q' }, 'a text'];
    await Promise.all(tickets.map((ticket, index) => offer(ledger, { status: 'rejected', id: ticket.id, record: records[index], issues } as Outcome<DataPoint>)));
    expect(store.batches[0]!.rejections).toEqual([
      { block: 'dedup', line: { seed: 3, task_name: 't', rxdgt_id: tickets[0]!.id, issues } },
      { block: 'dedup', line: { question: 'q', rxdgt_id: tickets[1]!.id, issues } },
      { block: 'dedup', line: { value: 'a text', rxdgt_id: tickets[2]!.id, issues } },
    ]);
    expect(Object.keys(store.batches[0]!.rejections[0]!.line)).toEqual(['seed', 'task_name', 'rxdgt_id', 'issues']);
  });

  test('take tells one listener of each settled input after its commit, in commit order, and of a failed commit', async () => {
    const store = memoryStore();
    let commits = 0;
    const ledger = createLedger(store, { taskName: 't', concurrency: 4, schedule: (commit) => queueMicrotask(commit), onCommit: () => void (commits += 1) });
    const heard: string[] = [];
    const listener: CommitListener = { committed: (settlement) => void heard.push(`${settlement.ticket.sequence}:${commits}`), failed: (error) => void heard.push(`failed: ${String(error)}`) };
    const first = ledger.issue(0, 'k');
    const second = ledger.issue(1, 'k');
    expect(ledger.take({ status: 'accepted', id: second.id, record: { question: 'r' } as unknown as DataPoint, share: [1, 2] }, listener)).toBe(false);
    expect(ledger.take({ status: 'accepted', id: first.id, record: { question: 'q' } as unknown as DataPoint }, listener)).toBe(true);
    expect(ledger.take({ status: 'accepted', id: second.id, record: { question: 's' } as unknown as DataPoint, share: [1, 2] }, listener)).toBe(true);
    ledger.flush();
    // Not while the commit runs: in a microtask after it, both settlements counted by then.
    expect(heard).toEqual([]);
    await Promise.resolve();
    expect(heard).toEqual(['0:2', '1:2']);
    expect(store.batches[0]!.records.map((record) => record['question'])).toEqual(['q', 'r', 's']);

    const broken = createLedger({ ...memoryStore(), commit: () => { throw new Error('disk full'); } }, { taskName: 't', concurrency: 4, schedule: () => undefined });
    const third = broken.issue(0, 'k');
    broken.take({ status: 'accepted', id: third.id, record: { question: 'q' } as unknown as DataPoint }, listener);
    broken.flush();
    await Promise.resolve();
    expect(heard.at(-1)).toBe('failed: Error: disk full');
  });

  test('an input issued again while in flight is refused, naming it; an outcome of an id never issued is too', () => {
    const ledger = createLedger(memoryStore(), { taskName: 't', concurrency: 4, schedule: () => undefined });
    const ticket = ledger.issue(5, 'k');
    expect(() => ledger.issue(5, 'other')).toThrow(`input 5 was issued again while in flight (\`${ticket.id}\`)`);
    expect(ledger.inFlight).toBe(1);
    const listener: CommitListener = { committed: () => undefined, failed: () => undefined };
    expect(() => ledger.take({ status: 'accepted', id: '5-000000000000', record: {} as DataPoint }, listener)).toThrow('input `5-000000000000`, which is not in flight');
    expect(ledger.take({ status: 'accepted', id: ticket.id, record: {} as DataPoint }, listener)).toBe(true);
  });

  test('a record that cannot be made JSON fails its commit: nothing written, its committers told, later commits refused', async () => {
    const store = memoryStore();
    const ledger = createLedger(store, { taskName: 't', concurrency: 4, schedule: () => undefined });
    const good = ledger.issue(0, 'k');
    const bad = ledger.issue(1, 'k');
    const first = offer(ledger, { status: 'accepted', id: good.id, record: { question: 'q' } as unknown as DataPoint });
    const second = offer(ledger, { status: 'accepted', id: bad.id, record: { question: 'r', size: 10n } as unknown as DataPoint });
    ledger.flush();
    await expect(first).rejects.toThrow(/BigInt/);
    await expect(second).rejects.toThrow(/BigInt/);
    expect(store.batches).toEqual([]);

    const later = ledger.issue(2, 'k');
    const refused = offer(ledger, { status: 'accepted', id: later.id, record: { question: 's' } as unknown as DataPoint });
    ledger.flush();
    await expect(refused).rejects.toThrow(/BigInt/);
    expect(store.batches).toEqual([]);
  });
});
