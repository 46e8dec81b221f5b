import { describe, expect, it } from 'vitest';
import { type LiveTableRow, renderLiveTable } from '../../lib/cli/live-table.ts';

function row(fields: Partial<LiveTableRow> & Pick<LiveTableRow, 'name'>): LiveTableRow {
  return { status: 'running', made: 0, target: undefined, perSecond: undefined, rejected: 0, costUsd: undefined, ...fields };
}

describe('renderLiveTable', () => {
  it('writes a header, a row per task (records / target, rate, ETA, rejects, cost or `-`) and the totals', () => {
    const lines = renderLiveTable([
      row({ name: 'geo', made: 4, target: 20, perSecond: 4, rejected: 1, costUsd: 0.0123 }),
      row({ name: 'rate', made: 0, target: 3 }),
    ]);
    expect(lines).toEqual([
      'task   status     records  rate   ETA  rejected  cost',
      'geo    running    4/20     4.0/s  4s   1         $0.0123',
      'rate   running    0/3      -      -    0         -',
      // 19 records to go at 4 a second.
      'total  0/2 ended  4/23     4.0/s  5s   1         $0.0123',
    ]);
  });

  it('words the ETA in seconds, minutes or hours, and rounds rates of 10 or more', () => {
    const lines = renderLiveTable([
      row({ name: 'a', made: 0, target: 185, perSecond: 1 }),
      row({ name: 'b', made: 0, target: 45_000, perSecond: 6 }),
      row({ name: 'c', made: 0, target: 10, perSecond: 12.4 }),
      row({ name: 'd', made: 10, target: 10, perSecond: 0 }),
    ]);
    const cells = lines.slice(1).map((line) => line.split(/\s{2,}/));
    expect(cells.map((line) => [line[0], line[3], line[4]])).toEqual([
      ['a', '1.0/s', '3m05s'],
      ['b', '6.0/s', '2h05m'],
      ['c', '12/s', '1s'],
      ['d', '0.0/s', '0s'],
      // 45,195 records to go at 19.4 a second.
      ['total', '19/s', '38m50s'],
    ]);
  });

  it('shows `-` for what is not known: no target, no rate, a rate of 0, an ended task', () => {
    const lines = renderLiveTable([
      row({ name: 'stream', made: 7, perSecond: 2 }),
      row({ name: 'stuck', made: 1, target: 5, perSecond: 0 }),
      row({ name: 'done', status: 'completed', made: 5, target: 5, costUsd: 0 }),
    ]);
    expect(lines).toEqual([
      'task    status     records  rate   ETA  rejected  cost',
      'stream  running    7        2.0/s  -    0         -',
      'stuck   running    1/5      0.0/s  -    0         -',
      'done    completed  5/5      -      -    0         $0.0000',
      // A task without a target: no total target and no ETA for the run.
      'total   1/3 ended  13       2.0/s  -    0         $0.0000',
    ]);
  });

  it('ends with a total of every task once all ended: no rate, no ETA, the summed cost', () => {
    const lines = renderLiveTable([
      row({ name: 'geo', status: 'completed', made: 20, target: 20, rejected: 2, costUsd: 0.5 }),
      row({ name: 'rate', status: 'failed', made: 1, target: 3, rejected: 2, costUsd: 0.25 }),
    ]);
    expect(lines.at(-1)).toBe('total  2/2 ended  21/23    -     -    4         $0.7500');
  });

  it('cuts every line to the given number of columns', () => {
    const rows = [row({ name: 'geo', made: 4, target: 20, perSecond: 4, rejected: 1, costUsd: 0.0123 })];
    const full = renderLiveTable(rows);
    expect(renderLiveTable(rows, 20)).toEqual(full.map((line) => line.slice(0, 20)));
    expect(renderLiveTable(rows, 20).every((line) => line.length <= 20)).toBe(true);
    expect(renderLiveTable(rows, 0)).toEqual(full);
  });
});
