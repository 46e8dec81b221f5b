import { describe, expect, test } from 'vitest';
import { noUsage } from '../../lib/outcome.ts';
import type { DataPoint, RecordIssue, Rejected } from '../../lib/record.ts';
import { type TaskProgress, advanceProgress, initialProgress, settleProgress } from '../../lib/run/task-progress.ts';
import type { Settlement } from '../../lib/store/ledger.ts';
import { askOf, rejectedOf } from '../helpers/outcomes.ts';

const record = (fields: Record<string, unknown> = {}): DataPoint => ({ task_name: 't', is_seed: false, ...fields });
const issue = (code: string, block = 'dedup', message = `${code} here`): RecordIssue => ({ code, block, message });
const rejection = (...issues: RecordIssue[]): Rejected => ({ status: 'rejected', id: '0-x', record: {}, issues });

let sequence = 0;
function settlement(parts: { records?: DataPoint[]; rejections?: Rejected[]; beyondTarget?: number }): Settlement {
  return { ticket: { id: `${sequence}-x`, sequence: sequence++ }, records: parts.records ?? [], rejections: parts.rejections ?? [], beyondTarget: parts.beyondTarget ?? 0, usage: noUsage };
}

const settleAll = (progress: TaskProgress, settlements: readonly Settlement[]) => settlements.reduce((current, next) => settleProgress(current, next, 0), progress);

describe('task progress: a settled input', () => {
  test('carries every field of the progress before it (a field added to TaskProgress must be added here, and copied)', () => {
    // Every field set, optional ones too: \`Required\` makes a new field of TaskProgress a type error here until it is.
    const before: Required<TaskProgress> = {
      accepted: 3,
      restored: 1,
      rejected: 2,
      failures: 1,
      attempts: 5,
      sinceLastAccepted: 2,
      lastFailure: 'the endpoint answered 500',
      usage: noUsage,
      startedAt: 100,
      now: 200,
      windows: {},
      configIssue: { holds: false },
      workers: { 'host:1': { inputs: 5, records: 3, rejected: 2 } },
    };
    const after = settleProgress(before, settlement({ records: [record()] }), 300);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    expect(after).toEqual({ ...before, accepted: 4, attempts: 6, sinceLastAccepted: 0, now: 300 });
  });
});

describe('task progress: the config-issue streak', () => {
  const keyInvalid = () => settlement({ rejections: [rejection(issue('dedupe_key_invalid', 'dedup', 'field `questoin` is undefined'))] });

  test('absent before the first input; holds while every input is rejected by one config-shaped issue of one block', () => {
    expect(initialProgress(0).configIssue).toBeUndefined();
    const progress = settleAll(initialProgress(0), [keyInvalid(), keyInvalid(), settlement({ rejections: [rejection(issue('dedupe_key_invalid', 'dedup', 'another message'))] })]);
    expect(progress.configIssue).toEqual({ holds: true, block: 'dedup', code: 'dedupe_key_invalid', message: 'field `questoin` is undefined', inputs: 3 });
  });

  test('a record made (or beyond the target), another code, another block or a data-shaped first issue breaks it for good', () => {
    for (const breaker of [
      settlement({ records: [record()] }),
      settlement({ beyondTarget: 1 }),
      settlement({ rejections: [rejection(issue('input_missing'))] }),
      settlement({ rejections: [rejection(issue('dedupe_key_invalid', 'other'))] }),
      settlement({ rejections: [rejection(issue('dedupe_key_invalid')), rejection(issue('duplicate'))] }),
    ]) {
      const progress = settleAll(initialProgress(0), [keyInvalid(), breaker, keyInvalid()]);
      expect(progress.configIssue).toEqual({ holds: false });
    }
    expect(settleAll(initialProgress(0), [settlement({ rejections: [rejection(issue('duplicate'))] }), keyInvalid()]).configIssue).toEqual({ holds: false });
  });

  test('an input lost to a failed LM call neither starts nor breaks it', () => {
    const lost = () => settlement({ rejections: [rejection(issue('lm_call_failed', 'generator'))] });
    expect(settleAll(initialProgress(0), [lost()]).configIssue).toBeUndefined();
    expect(settleAll(initialProgress(0), [lost(), keyInvalid(), lost(), keyInvalid()]).configIssue).toMatchObject({ holds: true, inputs: 2 });
  });

  test('a fan-out input counts once, when every one of its rejections carries the issue', () => {
    const fanned = settlement({ rejections: [rejection(issue('duplicate'), issue('input_missing', 'judge')), rejection(issue('input_missing', 'judge'))] });
    expect(settleAll(initialProgress(0), [fanned]).configIssue).toMatchObject({ holds: true, block: 'judge', code: 'input_missing', inputs: 1 });
  });

  test('a stream of outcomes keeps it too', () => {
    const rejectedOutcome = rejectedOf(0, 'q', 'template_undefined');
    const one = advanceProgress(initialProgress(0), rejectedOutcome, 0);
    expect(one.configIssue).toMatchObject({ holds: true, block: 'earlier', code: 'template_undefined', inputs: 1 });
    expect(advanceProgress(one, askOf(1, 'q'), 0).configIssue).toEqual({ holds: false });
  });
});

describe('task progress: windows', () => {
  test('initialProgress keeps the windows it is given, and none by default', () => {
    expect(initialProgress(0)).not.toHaveProperty('windows');
    expect(initialProgress(5, 2, [{ kind: 'acceptance', size: 10 }]).windows).toEqual({ 'acceptance:10': { count: 0, sum: 0, total: 0, skipped: 0 } });
  });

  test('settled inputs fill them: made a record (kept or beyond the target), rejected, or lost to a failed LM call', () => {
    const start = initialProgress(0, 0, [{ kind: 'acceptance', size: 10 }, { kind: 'score', field: 'score', size: 10 }]);
    const progress = settleAll(start, [
      settlement({ records: [record({ score: 4 }), record({ score: 2 })] }),
      settlement({ beyondTarget: 1 }),
      settlement({ rejections: [rejection(issue('duplicate'))] }),
      settlement({ rejections: [rejection(issue('lm_call_failed', 'generator'))] }),
      settlement({ records: [record()] }),
    ]);
    expect(progress.windows).toEqual({
      'acceptance:10': { count: 4, sum: 3, total: 4, skipped: 1 },
      'score:10:score': { count: 2, sum: 6, total: 2, skipped: 1 },
    });
    // The earlier reading is unchanged.
    expect(start.windows?.['acceptance:10']).toEqual({ count: 0, sum: 0, total: 0, skipped: 0 });
  });

  test('outcomes of a stream fill them; restored records do not', () => {
    let progress = initialProgress(0, 0, [{ kind: 'acceptance', size: 3 }]);
    progress = advanceProgress(progress, askOf(0, 'q'), 0);
    progress = advanceProgress(progress, rejectedOf(1, 'q'), 0);
    progress = advanceProgress(progress, rejectedOf(2, 'q', 'lm_call_failed'), 0);
    progress = advanceProgress(progress, { status: 'restored', id: '', record: record() }, 0);
    expect(progress.windows?.['acceptance:3']).toEqual({ count: 2, sum: 1, total: 2, skipped: 1 });
  });
});
