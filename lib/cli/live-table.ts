/** One task's row of the live table: what it has done so far. */
export interface LiveTableRow {
  readonly name: string;
  /** `running` while the task runs, then its final status (`completed`, `failed`, ...). */
  readonly status: string;
  /** Records the task holds (restored ones included). */
  readonly made: number;
  /** Records it aims for; undefined for a streamed source. */
  readonly target: number | undefined;
  /** Records per second over a recent window while it runs; undefined when not known yet, or once it ended. */
  readonly perSecond: number | undefined;
  readonly rejected: number;
  /** US dollars spent so far; undefined when not known (no engine of the task has a price and it spent nothing). */
  readonly costUsd: number | undefined;
}

const header = ['task', 'status', 'records', 'rate', 'ETA', 'rejected', 'cost'];

/**
 * The lines of the live table: a header, a row per task (records made / target, rate, ETA to the target, rejects,
 * cost), then a `total` row. A value that is not known is `-`. Each line is cut to `columns` characters when given,
 * so that no line wraps on the terminal.
 *
 * ## Example
 *
 * ```ts
 * renderLiveTable([{ name: 'geo', status: 'running', made: 4, target: 20, perSecond: 4, rejected: 1, costUsd: 0.0123 }]);
 * // [
 * //   'task   status     records  rate   ETA  rejected  cost',
 * //   'geo    running    4/20     4.0/s  4s   1         $0.0123',
 * //   'total  0/1 ended  4/20     4.0/s  4s   1         $0.0123',
 * // ]
 * ```
 */
export function renderLiveTable(rows: readonly LiveTableRow[], columns?: number): string[] {
  const cells = [header, ...rows.map(cellsOf), cellsOf(totalOf(rows))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] as string).length)));
  const lines = cells.map((row) => row.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ').trimEnd());
  return columns !== undefined && columns > 0 ? lines.map((line) => line.slice(0, columns)) : lines;
}

/** The `total` row: sums of every task, the rate of those running and the time until they all reach their targets. */
function totalOf(rows: readonly LiveTableRow[]): LiveTableRow & { readonly eta: string } {
  const running = rows.filter((row) => row.status === 'running');
  const rates = running.map((row) => row.perSecond).filter((rate) => rate !== undefined);
  const perSecond = rates.length > 0 ? rates.reduce((sum, rate) => sum + rate, 0) : undefined;
  const allTargets = rows.every((row) => row.target !== undefined);
  const costs = rows.map((row) => row.costUsd).filter((cost) => cost !== undefined);
  // Every running task must have a target (and some a rate) for the whole run to have an ETA.
  const remaining = running.every((row) => row.target !== undefined) ? running.reduce((sum, row) => sum + Math.max(0, (row.target ?? 0) - row.made), 0) : undefined;
  return {
    name: 'total',
    status: `${rows.length - running.length}/${rows.length} ended`,
    made: rows.reduce((sum, row) => sum + row.made, 0),
    target: allTargets ? rows.reduce((sum, row) => sum + (row.target ?? 0), 0) : undefined,
    perSecond,
    rejected: rows.reduce((sum, row) => sum + row.rejected, 0),
    costUsd: costs.length > 0 ? costs.reduce((sum, cost) => sum + cost, 0) : undefined,
    eta: running.length > 0 && remaining !== undefined ? etaOf(remaining, perSecond) : '-',
  };
}

function cellsOf(row: LiveTableRow & { readonly eta?: string }): string[] {
  return [
    row.name,
    row.status,
    row.target === undefined ? String(row.made) : `${row.made}/${row.target}`,
    row.perSecond === undefined ? '-' : `${row.perSecond >= 10 ? Math.round(row.perSecond) : row.perSecond.toFixed(1)}/s`,
    row.eta ?? (row.status === 'running' && row.target !== undefined ? etaOf(Math.max(0, row.target - row.made), row.perSecond) : '-'),
    String(row.rejected),
    row.costUsd === undefined ? '-' : `$${row.costUsd.toFixed(4)}`,
  ];
}

/** Time to make `remaining` records at `perSecond`: `45s`, `3m05s`, `2h05m`; `-` without a rate above 0. */
function etaOf(remaining: number, perSecond: number | undefined): string {
  if (remaining === 0) return '0s';
  if (perSecond === undefined || perSecond <= 0) return '-';
  const seconds = Math.ceil(remaining / perSecond);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
