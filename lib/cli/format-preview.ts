import type { Fields } from '../record.ts';
import { valueText } from '../text/value-text.ts';
import type { PreviewReject, TaskPreview } from '../run/preview-run.ts';
import type { TaskStatus } from '../store/task-result.ts';
import type { RunLimits } from '../run/estimate-run.ts';

/** Records and rejects shown per task. */
const shown = 5;
/** Fields shown per record. */
const fieldsShown = 4;
/** Bookkeeping fields every record has: not worth the room. */
const bookkeeping = new Set(['rxdgt_id', 'task_name', 'is_seed']);
/** Statuses that say the sample went wrong, not that it was cut short: worth a line. */
const troubled: ReadonlySet<TaskStatus> = new Set(['failed', 'errored', 'low_quality', 'budget_spent']);

/**
 * The lines `rxdgt preview` prints for one task of a {@link previewRun}: what its sample did (the first records, a few
 * fields each, and the rejects with their block, code and reason), how it ended when it went wrong, then the estimate
 * to its target, said to be one. Every line is cut to `width` characters.
 *
 * ## Example
 * ```ts
 * const preview = await previewRun({ taskPaths: ['samples/geography-qa'] }, { limit: 1 });
 * formatPreview(preview.tasks[0], 100);
 * // ['geo (generation): a sample of 1 input: 1 record, 0 rejected, 1 LM call', '  record  question: Q?  answer: A.', ...]
 * ```
 */
export function formatPreview(preview: TaskPreview, width: number): string[] {
  const { name, kind, sample, records, rejects, target, limits, estimate } = preview;
  const cached = sample.cachedCalls > 0 ? ` (${sample.cachedCalls} answered from a cache)` : '';
  const lines = [`${name} (${kind}): a sample of ${plural(sample.inputs, 'input')}: ${plural(sample.accepted, 'record')}, ${sample.rejected} rejected, ${plural(sample.calls + sample.cachedCalls, 'LM call')}${cached}`];
  const ending = endingOf(preview);
  if (ending !== undefined) lines.push(`  the sample ended ${ending}`);
  for (const record of records.slice(0, shown)) lines.push(`  record  ${describeRecord(record)}`);
  if (records.length > shown) lines.push(`  ... and ${plural(records.length - shown, 'more record')}`);
  // The same issue met again (a prompt the model misreads every time) is one line, with how often.
  const grouped = new Map<string, { reject: PreviewReject; times: number }>();
  for (const reject of rejects) {
    const key = JSON.stringify([reject.block, reject.code, oneLine(reject.message)]);
    const known = grouped.get(key);
    if (known) known.times += 1;
    else grouped.set(key, { reject, times: 1 });
  }
  const kinds = [...grouped.values()];
  for (const { reject, times } of kinds.slice(0, shown)) {
    lines.push(`  reject${times > 1 ? ` ×${times}` : ''}  ${reject.block}  ${reject.code}  ${oneLine(reject.message)}`);
  }
  if (kinds.length > shown) lines.push(`  ... and ${plural(kinds.length - shown, 'other reject')}`);
  const streamed = target === undefined;
  const from = `from the ${plural(sample.inputs, 'input')} of this sample`;
  if (estimate === undefined) {
    lines.push(`  no estimate: ${sample.inputs === 0 ? 'the sample settled no input' : `the sample of ${plural(sample.inputs, 'input')} accepted no record`}`);
  } else {
    const goal = target === undefined ? 'per input (the input is streamed: its row count is unknown)' : `to ${plural(target, kind === 'generation' ? 'record' : 'row')}`;
    lines.push(`  estimate ${goal}, ${from} (${Math.round(estimate.acceptanceRate * 100)}% of inputs made a record):`);
    if (kind === 'transformation' && !streamed) lines.push(`    records            ${count(estimate.records)}`);
    if (kind === 'generation') lines.push(`    inputs             ${count(estimate.inputs)}`);
    const fromCache = estimate.cachedCalls > 0 ? ` (${count(estimate.cachedCalls)} of them from a cache, at the sample's share)` : '';
    lines.push(`    LM calls           ${count(estimate.calls)}${fromCache}`);
    lines.push(`    prompt tokens      ${count(estimate.promptTokens)}`);
    lines.push(`    completion tokens  ${count(estimate.completionTokens)}`);
    lines.push(`    cost               ${estimate.costUsd === undefined ? '-' : dollars(estimate.costUsd)}`);
    lines.push(`    wall time          ${wallTime(estimate.seconds, estimate.bound, limits, sample.meanLatencyMs)}`);
  }
  return lines.map((line) => cut(line, width));
}

/** How the sample ended when that is worth a line (a failed or errored task): `<status>: <message>`. */
function endingOf({ status, message }: TaskPreview): string | undefined {
  if (status === undefined) return `errored: ${message ?? ''}`;
  return troubled.has(status) ? `${status}: ${message ?? ''}` : undefined;
}

/** `count` and the noun, plural unless 1. */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A count rounded to a whole number, with thousands separators. */
function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** US dollars: cents above a dollar, hundredths of a cent below. */
function dollars(usd: number): string {
  return `$${usd.toFixed(usd >= 1 ? 2 : 4)}`;
}

/**
 * The wall time and what gives it, or why there is none: `at least` when a rate limit binds (a true lower bound),
 * `about` when the answer time does (the sample's mean answer time, which a small sample's first calls, on new
 * connections, push up: measured 1.5 to 2.7 times the real run's at 5 to 50 inputs).
 */
function wallTime(seconds: number | undefined, bound: string | undefined, limits: RunLimits, latencyMs: number | undefined): string {
  if (seconds === undefined) return 'unknown (no call was timed and no rpm or tpm limit is set)';
  const why =
    bound === 'rpm' ? `rpm limit ${limits.rpm}` : bound === 'tpm' ? `tpm limit ${limits.tpm}` : `call_limit ${limits.callLimit} at ${Math.round(latencyMs ?? 0)} ms a call`;
  return `${bound === 'rpm' || bound === 'tpm' ? 'at least' : 'about'} ${duration(seconds)} (${why})`;
}

/** Seconds as `4.2s`, `3m 20s` or `2h 05m`. */
function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, '0')}s`;
  const minutes = Math.round(whole / 60);
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** A record's first few fields, `name: value`, each value on one line. */
function describeRecord(record: Fields): string {
  const fields = Object.entries(record).filter(([field]) => !bookkeeping.has(field));
  const parts = fields.slice(0, fieldsShown).map(([field, value]) => `${field}: ${oneLine(valueText(value))}`);
  if (fields.length > fieldsShown) parts.push(`(+${fields.length - fieldsShown} fields)`);
  return parts.join('  ');
}

/** Text with its line breaks and tabs as spaces. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The line cut to `width` characters, ending in `…` when cut. */
function cut(line: string, width: number): string {
  const characters = [...line];
  return characters.length <= width ? line : `${characters.slice(0, Math.max(1, width - 1)).join('')}…`;
}
