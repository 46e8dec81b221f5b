import { escapeHtml } from './escape-html.ts';

/** What a {@link ProgressView} shows. */
export interface ProgressState {
  readonly title: string;
  /** `running`, then how the run ended (`completed`, `stalled`, `failed`, `stopped`, ...). */
  readonly status: string;
  /** Records made (restored ones included, when fed by a task). */
  readonly records: number;
  /** Records the run aims for; undefined when not known. */
  readonly target: number | undefined;
  /** Records per second over the last 10 s while running; undefined before two readings. */
  readonly perSecond: number | undefined;
  readonly rejected: number;
  /** US dollars spent; undefined when nothing was (no price known), or the feed carries no cost (records fed one by one). */
  readonly costUsd: number | undefined;
  /** Time since the view was made, ms. */
  readonly elapsedMs: number;
}

/** Time to make `remaining` records at `perSecond`: `45s`, `3m05s`, `2h05m`; undefined without a rate above 0. */
function etaOf(remaining: number, perSecond: number | undefined): string | undefined {
  if (remaining <= 0) return '0s';
  if (perSecond === undefined || perSecond <= 0) return undefined;
  const seconds = Math.ceil(remaining / perSecond);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * The HTML of a progress view: a title with the status, a bar toward the target (moving, without one), and a line of
 * figures (records, rate, ETA while running, rejects, cost, elapsed time).
 *
 * ## Example
 * ```ts
 * progressHtml({ title: 'geo', status: 'running', records: 4, target: 20, perSecond: 2, rejected: 1, costUsd: undefined, elapsedMs: 2000 });
 * // '<div class="rxdgt-progress" …><strong>geo</strong> · running…<progress value="4" max="20">…4/20 records · 2.0/s · ETA 8s · 1 rejected · 2.0s</div></div>'
 * ```
 */
export function progressHtml(state: ProgressState): string {
  const running = state.status === 'running';
  const eta = running && state.target !== undefined ? etaOf(state.target - state.records, state.perSecond) : undefined;
  const figures = [
    state.target === undefined ? `${state.records} records` : `${state.records}/${state.target} records`,
    ...(running && state.perSecond !== undefined ? [`${state.perSecond >= 10 ? Math.round(state.perSecond) : state.perSecond.toFixed(1)}/s`] : []),
    ...(eta === undefined ? [] : [`ETA ${eta}`]),
    `${state.rejected} rejected`,
    ...(state.costUsd === undefined ? [] : [`$${state.costUsd.toFixed(4)}`]),
    `${(state.elapsedMs / 1000).toFixed(1)}s`,
  ];
  const bar =
    state.target === undefined
      ? running
        ? '<progress style="width: 24em"></progress>'
        : ''
      : `<progress value="${Math.min(state.records, state.target)}" max="${state.target}" style="width: 24em"></progress>`;
  return [
    '<div class="rxdgt-progress" style="font-family: monospace">',
    `<div><strong>${escapeHtml(state.title)}</strong> · ${escapeHtml(state.status)}</div>`,
    bar,
    `<div>${escapeHtml(figures.join(' · '))}</div>`,
    '</div>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}
