import { type SchedulerAction, type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';
import { redactUrl } from '../redact-url.ts';
import type { TaskResult } from '../store/task-result.ts';
import type { RunHooks, Task } from '../run/task.ts';
import type { TaskProgress } from '../run/task-progress.ts';
import { type LiveTableRow, renderLiveTable } from './live-table.ts';
import { RecordRate } from './record-rate.ts';

/** Least time between two frames of the live table (ms). */
const frameMs = 200;

/** What the CLI knows of one task while it runs and once it ends. */
interface TaskLine {
  readonly task: Task;
  progress: TaskProgress | undefined;
  result: TaskResult | undefined;
  lastLoggedAt: number;
  /** Records per second over the last 10 s of the report's clock (live table only). */
  readonly rate: RecordRate;
}

/** How a {@link RunReport} shows its tasks. */
export interface RunReportOptions {
  /**
   * Whether a task's cost is known: some engine of it has a price. A task without one shows `-` as its cost, not
   * `$0.0000`, unless it spent something all the same. Asked each time the cost is shown (a task may make engines as it
   * runs). @default every task's cost is known
   */
  readonly costKnown?: ((task: Task) => boolean) | undefined;
  /** Clock and timer of the live table (its frames, the rates); tests pass a virtual one. @default asyncScheduler */
  readonly scheduler?: SchedulerLike | undefined;
  /** Whether progress is shown while the run goes on (`--quiet`: only the summary at the end). @default true */
  readonly progress?: boolean | undefined;
}

/**
 * Writes the run's progress, then a summary table. On a TTY: one live table, a row per task (records made / target,
 * records per second over the last 10 s, ETA, rejects, cost) and a row of totals, redrawn in place at most every 200 ms
 * and cut to the terminal's width. Otherwise: plain log lines (a task's start, its progress every 5 s, its end).
 *
 * ## Example
 *
 * ```ts
 * const report = new RunReport(tasks, process.stdout);
 * report.start();
 * runTasks(tasks, { hooks: (task) => report.hooks(task) }).subscribe({ complete: () => report.finish() });
 * ```
 */
export class RunReport {
  private readonly lines: TaskLine[];
  private readonly costKnown: (task: Task) => boolean;
  private readonly scheduler: SchedulerLike;
  private readonly progress: boolean;
  private ticks: Subscription | undefined;
  /** Lines of the live table on screen, above the cursor (none, or the table is done with). */
  private drawnLines: readonly string[] = [];
  /** Redraws at once when the terminal is resized: the table is cut to the new width. */
  private readonly onResize = (): void => this.draw(true);
  /** The last frame's lines: a frame like it is not written again. */
  private lastFrame = '';

  constructor(
    tasks: readonly Task[],
    private readonly out: NodeJS.WriteStream,
    options: RunReportOptions = {},
  ) {
    this.lines = tasks.map((task) => ({ task, progress: undefined, result: undefined, lastLoggedAt: 0, rate: new RecordRate(10_000) }));
    this.costKnown = options.costKnown ?? (() => true);
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.progress = options.progress ?? true;
  }

  private get live(): boolean {
    return this.progress && this.out.isTTY === true;
  }

  /** Plain progress lines: when not on a TTY, unless progress is off. */
  private get plain(): boolean {
    return this.progress && this.out.isTTY !== true;
  }

  hooks(task: Task): RunHooks {
    const line = this.lines.find((entry) => entry.task === task) as TaskLine;
    return {
      onProgress: (progress) => {
        line.progress = progress;
        if (this.live) this.read(line, progress);
        if (this.plain && progress.now - line.lastLoggedAt >= 5000) {
          line.lastLoggedAt = progress.now;
          this.out.write(`${this.describe(line)}\n`);
        }
      },
      onEnd: (result, progress) => {
        line.progress = progress;
        line.result = result;
        if (this.plain) this.out.write(`${this.describe(line)}\n`);
      },
    };
  }

  start(): void {
    if (this.plain) for (const line of this.lines) this.out.write(`${line.task.name}: started (${line.task.kind})\n`);
    if (!this.live) return;
    const draw = (): void => this.draw(false);
    this.out.on?.('resize', this.onResize);
    // A frame every 200 ms at most (none when nothing changed); the first one 200 ms after the start.
    this.ticks = this.scheduler.schedule(function (this: SchedulerAction<undefined>) {
      draw();
      this.schedule(undefined, frameMs);
    }, frameMs);
  }

  /**
   * Writes `text` (whole lines) to `stream` (e.g. a warning to stderr) without breaking the live table: on a TTY the
   * table is erased, the text written where it was, and the table drawn again below it. Otherwise it just writes.
   */
  writeAbove(stream: Pick<NodeJS.WritableStream, 'write'>, text: string): void {
    const lines = text.endsWith('\n') ? text : `${text}\n`;
    if (this.drawnLines.length === 0) {
      stream.write(lines);
      return;
    }
    this.out.write(`\x1b[${this.rowsDrawn()}A\r\x1b[J`);
    this.drawnLines = [];
    stream.write(lines);
    this.draw(true);
  }

  /** Stops the live display (after a last frame) and prints the summary table. */
  finish(): void {
    this.ticks?.unsubscribe();
    this.ticks = undefined;
    this.out.off?.('resize', this.onResize);
    if (this.live) this.draw(true);
    // The table stays on screen as it is: nothing erases it any more.
    this.drawnLines = [];
    this.out.write(`\n${this.table()}\n`);
  }

  /** Reads a task's record count for its rate; its first reading also gives the count it started with, when it did. */
  private read(line: TaskLine, progress: TaskProgress): void {
    const now = this.scheduler.now();
    if (!line.rate.started) line.rate.add(now - (progress.now - progress.startedAt), progress.restored);
    line.rate.add(now, progress.accepted);
  }

  /**
   * Rows of the screen the last frame takes now: a line cut to an older, wider terminal wraps onto several rows of a
   * narrower one (terminals reflow on resize), so moving up by its line count would leave stray rows behind.
   */
  private rowsDrawn(): number {
    const columns = this.out.columns;
    if (columns === undefined || columns < 1) return this.drawnLines.length;
    return this.drawnLines.reduce((rows, text) => rows + Math.max(1, Math.ceil(text.length / columns)), 0);
  }

  /** Draws the live table over its last frame: up as many rows as it takes now, each line rewritten, the rest cleared. */
  private draw(always: boolean): void {
    const now = this.scheduler.now();
    const lines = renderLiveTable(
      this.lines.map((line) => this.rowOf(line, now)),
      this.out.columns,
    );
    const frame = lines.join('\n');
    if (!always && frame === this.lastFrame && this.drawnLines.length > 0) return;
    const up = this.drawnLines.length > 0 ? `\x1b[${this.rowsDrawn()}A` : '';
    // Each line cleared and rewritten (no blank frame to flicker), then whatever rows the old frame had below: cleared.
    this.out.write(`${up}\r${lines.map((text) => `\x1b[2K${text}\n`).join('')}\x1b[J`);
    this.drawnLines = lines;
    this.lastFrame = frame;
  }

  private rowOf(line: TaskLine, now: number): LiveTableRow {
    const { task, progress, result } = line;
    return {
      name: task.name,
      status: result ? result.status : 'running',
      made: recordsOf(line),
      target: task.target,
      perSecond: result ? undefined : line.rate.perSecond(now),
      rejected: progress?.rejected ?? 0,
      costUsd: this.costUsd(line),
    };
  }

  private describe(line: TaskLine): string {
    const progress = line.progress;
    const made = recordsOf(line);
    const of = line.task.target === undefined ? '' : `/${line.task.target}`;
    const state = line.result ? line.result.status : 'running';
    const rejected = progress?.rejected ?? 0;
    return `${line.task.name}: ${state} ${made}${of} records, ${rejected} rejected, ${lmCalls(progress)} LM calls, cost ${this.cost(line)}`;
  }

  /** The task's cost so far in US dollars, or `-` when no engine of it has a price (and it spent nothing). */
  private cost(line: Pick<TaskLine, 'task' | 'progress'>): string {
    const usd = this.costUsd(line);
    return usd === undefined ? '-' : `$${usd.toFixed(4)}`;
  }

  /** The task's cost so far in US dollars; undefined when no engine of it has a price and it spent nothing. */
  private costUsd({ task, progress }: Pick<TaskLine, 'task' | 'progress'>): number | undefined {
    const usd = progress?.usage.costUsd ?? 0;
    return usd === 0 && !this.costKnown(task) ? undefined : usd;
  }

  private table(): string {
    const header = ['task', 'status', 'records', 'rejected', 'LM calls', 'tokens', 'cost', 'elapsed'];
    const rows = this.lines.map(({ task, progress, result }) => [
      task.name,
      result?.status ?? 'cancelled',
      String(recordsOf({ progress, result })),
      String(progress?.rejected ?? 0),
      String(lmCalls(progress)),
      String(progress ? progress.usage.promptTokens + progress.usage.completionTokens : 0),
      this.cost({ task, progress }),
      elapsedOf({ progress, result }),
    ]);
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
    const format = (row: readonly string[]): string => row.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ');
    const reasons = this.lines
      .filter(({ result }) => result?.message && result.status !== 'completed')
      // The reason may quote an endpoint: never with its user name and password.
      .map(({ task, result }) => `${task.name}: ${result?.status}: ${redactUrl(result?.message ?? '')}`);
    return [format(header), format(widths.map((width) => '-'.repeat(width))), ...rows.map(format), ...reasons].join('\n');
  }
}

/** Records the task holds: its result's count once it ended (restored ones included), else its progress. */
function recordsOf({ progress, result }: Pick<TaskLine, 'progress' | 'result'>): number {
  return result?.metrics?.['Number of data produced'] ?? progress?.accepted ?? 0;
}

/** Wall time of the task: from its result once it ended, else from its progress. */
function elapsedOf({ progress, result }: Pick<TaskLine, 'progress' | 'result'>): string {
  const ms = result?.end_time ? Date.parse(result.end_time) - Date.parse(result.start_time) : progress ? progress.now - progress.startedAt : undefined;
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * LM calls made so far: answered ones (usage counts only those) plus failed ones, so a run whose calls all fail
 * does not report 0 calls beside "17 of 20 LM calls failed".
 */
function lmCalls(progress: TaskProgress | undefined): number {
  return progress ? progress.usage.calls + progress.failures : 0;
}
