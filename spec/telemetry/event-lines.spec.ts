import { describe, expect, test } from 'vitest';
import { EventLines } from '../../lib/telemetry/event-lines.ts';
import type { RecordIssue } from '../../lib/record.ts';
import type { RunEvent } from '../../lib/telemetry/run-event.ts';

const ids = { runId: 'run-1', buildId: 'exp', time: Date.parse('2026-01-15T10:23:14.001Z') };
const log = (level: string, message: string, event?: string): RunEvent => ({ ...ids, type: 'task-log', task: 'geo', level, message, event });

describe('EventLines', () => {
  test('a task’s log lines: warnings and errors, and named events other than its start and end; plain info lines are not', () => {
    const lines = new EventLines();
    lines.of({ ...ids, type: 'task-start', task: 'geo', target: undefined, taskRunId: 'task-run-1' });
    const written = [
      log('INFO', 'run started', 'run_started'),
      log('INFO', 'resuming: 2 records already made', 'run_resumed'),
      log('INFO', 'postprocessors kept 3 of 4 records'),
      log('WARNING', 'took over the lock'),
      log('ERROR', 'cannot write http://u:p@h/x'),
      log('ERROR', 'errored: boom', 'run_finished'),
    ].flatMap((event) => lines.of(event));
    expect(written).toEqual([
      { timestamp: '2026-01-15T10:23:14.001Z', event: 'run_resumed', level: 'INFO', message: 'resuming: 2 records already made', build_id: 'exp', run_id: 'task-run-1', task_name: 'geo' },
      expect.objectContaining({ event: 'task_warning', level: 'WARNING', message: 'took over the lock' }),
      expect.objectContaining({ event: 'task_error', level: 'ERROR', message: 'cannot write http://***@h/x' }),
    ]);
  });

  test('a rejected record is one line, its issue messages without credentials and cut to 500 characters', () => {
    const [line, ...rest] = new EventLines().of({
      ...ids,
      type: 'input-end',
      task: 'geo',
      records: [],
      rejections: [{ record: {}, issues: [{ block: 'judge', code: 'low_score', message: `see http://u:p@h/x ${'z'.repeat(600)}` }, { block: 'dedup', code: 'duplicate', message: 'seen' }] }],
      usage: undefined,
      accepted: 0,
      rejected: 1,
      attempts: 1,
    });
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ event: 'data_point_rejected', level: 'INFO', run_id: 'run-1', block_name: 'judge', task_name: 'geo', reason: 'low_score' });
    const issues = line!['issues'] as { message: string }[];
    expect(issues[0]!.message).toHaveLength(500);
    expect(issues[0]!.message.startsWith('see http://***@h/x zz')).toBe(true);
    expect(issues[1]).toEqual({ block: 'dedup', code: 'duplicate', message: 'seen' });
  });

  test('a task’s end is INFO when it completed, WARNING when it stopped short, ERROR when it errored; model calls make no line', () => {
    const lines = new EventLines();
    const finished = (status: 'completed' | 'stalled' | 'errored'): RunEvent => ({ ...ids, type: 'task-end', task: 'geo', result: { task_name: 'geo', run_id: 'r', build_id: 'exp', process_id: 1, status, start_time: '' } });
    expect([finished('completed'), finished('stalled'), finished('errored')].flatMap((event) => lines.of(event)).map((line) => [line.level, line.reason, line.message])).toEqual([
      ['INFO', 'completed', "Task 'geo' finished: completed"],
      ['WARNING', 'stalled', "Task 'geo' finished: stalled"],
      ['ERROR', 'errored', "Task 'geo' finished: errored"],
    ]);
    expect(lines.of({ ...ids, type: 'run-end', status: 'cancelled' })).toEqual([expect.objectContaining({ event: 'run_finished', level: 'WARNING', status: 'cancelled' })]);
  });

  test('textsOf writes each line as JSON.stringify would, a rejection line too, whatever the rejection before it was', () => {
    const rejected = (task: string, time: number, ...rejections: RecordIssue[][]): RunEvent => ({
      ...ids,
      time,
      type: 'input-end',
      task,
      records: [],
      rejections: rejections.map((issues) => ({ record: {}, issues })),
      usage: undefined,
      accepted: 0,
      rejected: rejections.length,
      attempts: 1,
    });
    const duplicate: RecordIssue = { block: 'dedup', code: 'duplicate', message: 'Rouge-L F1 1 >= threshold 1 to a text kept earlier', path: ['question'] };
    const events: RunEvent[] = [
      { ...ids, type: 'run-start', tasks: [{ task: 'geo', target: 3 }] },
      rejected('geo', ids.time, [duplicate]),
      { ...ids, type: 'task-start', task: 'geo', target: 3, taskRunId: 'task-run-1' },
      rejected('geo', ids.time, [duplicate], [{ ...duplicate }]),
      rejected('geo', ids.time + 1, [{ ...duplicate, message: 'seen "twice" at http://u:p@h/x é 😀' }]),
      rejected('geo', ids.time + 1, [{ ...duplicate, message: 'x'.repeat(600) }, { ...duplicate, block: 'judge', code: 'low_score' }], [{ ...duplicate, message: 'x'.repeat(600) }]),
      rejected('geo', ids.time + 2, [{ ...duplicate, block: 'other "block"' }]),
      rejected('métro', ids.time + 2, [{ ...duplicate, code: 'too_short' }]),
      rejected('geo', ids.time + 3),
      rejected('geo', ids.time + 3, []),
      { ...ids, runId: 'run-2', type: 'input-end', task: 'geo', records: [], rejections: [{ record: {}, issues: [duplicate] }], usage: undefined, accepted: 0, rejected: 1, attempts: 1 },
      { ...ids, buildId: 'exp-2', type: 'input-end', task: 'geo', records: [], rejections: [{ record: {}, issues: [duplicate] }], usage: undefined, accepted: 0, rejected: 1, attempts: 1 },
      log('WARNING', 'took over the lock'),
      { ...ids, type: 'run-end', status: 'completed' },
    ];
    const objects = new EventLines();
    const texts = new EventLines();
    const expected = events.flatMap((event) => objects.of(event).map((line) => JSON.stringify(line)));
    const written = events.flatMap((event) => texts.textsOf(event));
    expect(written).toEqual(expected);
    expect(written.filter((line) => line.includes('"data_point_rejected"'))).toHaveLength(11);
    expect(written.some((line) => line.includes('u:p@'))).toBe(false);
  });

  test('textsOf: a first rejection whose names are all empty is written whole (nothing made before it is taken for it)', () => {
    const empty = { runId: '', buildId: '', time: ids.time };
    const event: RunEvent = { ...empty, type: 'input-end', task: '', records: [], rejections: [{ record: {}, issues: [{ block: '', code: '', message: '' }] }], usage: undefined, accepted: 0, rejected: 1, attempts: 1 };
    const [line] = new EventLines().textsOf(event);
    expect(line).toBe(JSON.stringify(new EventLines().of(event)[0]));
    expect(JSON.parse(line!)).toMatchObject({ build_id: '', run_id: '', block_name: '', task_name: '', reason: '', issues: [{ block: '', code: '', message: '' }] });
  });
});
