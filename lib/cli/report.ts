import { redactUrl } from '../redact-url.ts';
import type { TaskResult } from '../store/task-result.ts';
import type { RunHooks, Task } from '../run/task.ts';
import type { TaskProgress } from '../run/task-progress.ts';

/** What the CLI knows of one task while it runs and once it ends. */
interface TaskLine {
  readonly task: Task;
  progress: TaskProgress | undefined;
  result: TaskResult | undefined;
  lastLoggedAt: number;
}

/** Writes the run's progress: a live line per task on a TTY, plain log lines otherwise, then a summary table. */
export class RunReport {
  private readonly lines: TaskLine[];
  private timer: NodeJS.Timeout | undefined;
  private drawn = 0;

  constructor(
    tasks: readonly Task[],
    private readonly out: NodeJS.WriteStream,
  ) {
    this.lines = tasks.map((task) => ({ task, progress: undefined, result: undefined, lastLoggedAt: 0 }));
  }

  private get live(): boolean {
    return this.out.isTTY === true;
  }

  hooks(task: Task): RunHooks {
    const line = this.lines.find((entry) => entry.task === task) as TaskLine;
    return {
      onProgress: (progress) => {
        line.progress = progress;
        if (!this.live && progress.now - line.lastLoggedAt >= 5000) {
          line.lastLoggedAt = progress.now;
          this.out.write(`${this.describe(line)}\n`);
        }
      },
      onEnd: (result, progress) => {
        line.progress = progress;
        line.result = result;
        if (!this.live) this.out.write(`${this.describe(line)}\n`);
      },
    };
  }

  start(): void {
    if (!this.live) {
      for (const line of this.lines) this.out.write(`${line.task.name}: started (${line.task.kind})\n`);
      return;
    }
    this.timer = setInterval(() => this.draw(), 200);
    this.timer.unref();
  }

  /** Stops the live display and prints the summary table. */
  finish(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.live) this.draw();
    this.out.write(`\n${this.table()}\n`);
  }

  private draw(): void {
    const text = this.lines.map((line) => `\x1b[2K${this.describe(line)}`).join('\n');
    const up = this.drawn > 1 ? `\x1b[${this.drawn - 1}A` : '';
    this.out.write(`${up}\r${text}`);
    this.drawn = this.lines.length;
  }

  private describe(line: TaskLine): string {
    const progress = line.progress;
    const made = recordsOf(line);
    const of = line.task.target === undefined ? '' : `/${line.task.target}`;
    const state = line.result ? line.result.status : 'running';
    const rejected = progress?.rejected ?? 0;
    return `${line.task.name}: ${state} ${made}${of} records, ${rejected} rejected, ${lmCalls(progress)} LM calls`;
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
      `$${(progress?.usage.costUsd ?? 0).toFixed(4)}`,
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

/**
 * LM calls made so far: answered ones (usage counts only those) plus failed ones, so a run whose calls all fail
 * does not report 0 calls beside "17 of 20 LM calls failed".
 */
/** Records the task holds: its result's count once it ended (restored ones included), else its progress. */
function recordsOf({ progress, result }: Pick<TaskLine, 'progress' | 'result'>): number {
  return result?.metrics?.['Number of data produced'] ?? progress?.accepted ?? 0;
}

/** Wall time of the task: from its result once it ended, else from its progress. */
function elapsedOf({ progress, result }: Pick<TaskLine, 'progress' | 'result'>): string {
  const ms = result?.end_time ? Date.parse(result.end_time) - Date.parse(result.start_time) : progress ? progress.now - progress.startedAt : undefined;
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

function lmCalls(progress: TaskProgress | undefined): number {
  return progress ? progress.usage.calls + progress.failures : 0;
}
