import { z } from 'zod';
import { RecordRate } from '../cli/record-rate.ts';
import { parseConfig } from '../parse-config.ts';
import type { RunHooks } from '../run/task-options.ts';
import type { TaskProgress } from '../run/task-progress.ts';
import { functionSchema } from '../schemas.ts';
import { type NotebookDisplays, notebookDisplays } from './notebook-display.ts';
import { type ProgressState, progressHtml } from './progress-html.ts';

/** Options of {@link progressView}. */
export interface ProgressViewOptions {
  /** Shown above the bar. @default 'records' */
  readonly title?: string | undefined;
  /** Records the run aims for (`task.target`); without it the bar just moves. @default none */
  readonly target?: number | undefined;
  /** Least time between two redraws, ms: a fast run does not flood the notebook; the end is always drawn. @default 250 */
  readonly intervalMs?: number | undefined;
  /** tslab's API (`import * as tslab from 'tslab'`). @default the running tslab kernel's */
  readonly tslab?: NotebookDisplays | undefined;
  /** The clock, ms. @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** A progress display in a notebook cell, redrawn in place as a run goes. */
export interface ProgressView {
  /** Hooks for `task.run(view.hooks)`: records, rejects and cost after every input, and the task's final status. */
  readonly hooks: RunHooks;
  /** What the view shows now. */
  readonly state: ProgressState;
  /** Times it was drawn: the first display, then each update in place. */
  readonly draws: number;
  /** Counts records made (for a feed of records, see `tapProgress`). */
  record(count?: number): void;
  /** Counts rejected records. */
  reject(count?: number): void;
  /** Takes a task's progress: its records, rejects and cost. */
  progress(progress: TaskProgress): void;
  /** Ends the view with a status (the first one given stays), drawn at once. @default 'completed' */
  end(status?: string): void;
}

const optionsSchema = z.object({
  title: z.string().default('records'),
  target: z.number().int().min(0).optional(),
  intervalMs: z.number().min(0).default(250),
  tslab: z.custom<NotebookDisplays>((value) => typeof value === 'object' && value !== null).optional(),
  now: functionSchema<() => number>().default(() => Date.now),
});

/** US dollars a task spent; undefined while nothing was (no engine has a price, or no call was made). */
const costOf = (progress: TaskProgress): number | undefined => (progress.usage.costUsd > 0 ? progress.usage.costUsd : undefined);

/**
 * A progress view that updates in place: one output of the cell (Jupyter's `display_id`), redrawn with
 * `update_display_data` as records come, showing records made against the target, the rate, the ETA, rejects and
 * cost. Feed it a task's hooks (`task.run(view.hooks)`), or a records Observable through `tapProgress(view)`, and
 * await the run in the same cell. Needs the tslab kernel (or its API given as `tslab`).
 *
 * ## Example
 * ```ts
 * import { progressView } from 'rxdgt/notebook';
 * import { lastValueFrom, toArray } from 'rxjs';
 * const view = progressView({ title: task.name, target: task.target });
 * const records = await lastValueFrom(task.run(view.hooks).pipe(toArray()));
 * // geo · completed  [■■■■■■■■■■]  20/20 records · 3 rejected · 1.2s
 * ```
 * @see tapProgress @see displayRecords
 * @param options Title, target, redraw interval, display and clock.
 * @returns The view, drawn once already.
 * @throws {RxdgtError} Outside a tslab kernel without `tslab`.
 * @throws {ConfigError} When an option is invalid.
 */
export function progressView(options: ProgressViewOptions = {}): ProgressView {
  const { title, target, intervalMs, tslab, now } = parseConfig('progressView', optionsSchema, options);
  const surface = notebookDisplays('progressView', tslab).newDisplay();
  const startedAt = now();
  const rate = new RecordRate();
  // `restored`: records an earlier run made, left out of the rate.
  let counts = { records: 0, restored: 0, rejected: 0, costUsd: undefined as number | undefined };
  let status = 'running';
  let draws = 0;
  let lastDraw: number | undefined;

  const stateAt = (at: number): ProgressState => {
    const { records, rejected, costUsd } = counts;
    return { title, status, records, target, perSecond: rate.perSecond(at), rejected, costUsd, elapsedMs: at - startedAt };
  };
  const draw = (force: boolean): void => {
    const at = now();
    if (!force && lastDraw !== undefined && at - lastDraw < intervalMs) return;
    lastDraw = at;
    draws += 1;
    surface.html(progressHtml(stateAt(at)));
  };
  const change = (next: typeof counts): void => {
    if (status !== 'running') return;
    counts = next;
    rate.add(now(), counts.records - counts.restored);
    draw(false);
  };
  const view: ProgressView = {
    hooks: {
      onProgress: (progress) => view.progress(progress),
      onEnd: (result, progress) => (view.progress(progress), view.end(result.status)),
    },
    get state() {
      return stateAt(now());
    },
    get draws() {
      return draws;
    },
    record: (count = 1) => change({ ...counts, records: counts.records + count }),
    reject: (count = 1) => change({ ...counts, rejected: counts.rejected + count }),
    progress: (progress) => change({ records: progress.accepted, restored: progress.restored, rejected: progress.rejected, costUsd: costOf(progress) }),
    end: (ended = 'completed') => {
      if (status !== 'running') return;
      status = ended;
      draw(true);
    },
  };
  rate.add(startedAt, 0);
  draw(true);
  return view;
}
