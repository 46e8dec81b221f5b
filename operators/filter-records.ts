import type { MonoTypeOperatorFunction } from 'rxjs';
import { z } from 'zod';
import { errorMessage } from '../lib/error-message.ts';
import { mapAccepted, rejected } from '../lib/outcome.ts';
import { parseConfig } from '../lib/parse-config.ts';
import type { Outcome } from '../lib/record.ts';
import { functionSchema } from '../lib/schemas.ts';

/** Config of {@link filterRecords}. */
export interface FilterRecordsConfig<T> {
  /** `true` keeps the record; `false` or a string (the reason) rejects it. Receives the record and its input's id. */
  readonly predicate: (record: T, id: string) => boolean | string;
  /** Block name in issues and reject files. @default 'filter' */
  readonly name?: string;
}

const configSchema = z.object({
  predicate: functionSchema<(record: unknown, id: string) => boolean | string>(),
  name: z.string().min(1).default('filter'),
});

/**
 * Keeps accepted records that pass a predicate and rejects the rest with code `filtered` (the reason is
 * the string the predicate returned). Unlike RxJS `filter`, nothing disappears: rejections are data and
 * land in `blocks/<name>.jsonl`. A predicate that throws rejects the record with code `filter_failed`.
 *
 * ## Example
 * ```ts
 * import { of } from 'rxjs';
 * import { accepted, filterRecords } from 'rxdgt';
 * of(accepted('0-ab12', { answer: '' }))
 *   .pipe(filterRecords({ predicate: (r) => r.answer.length > 0 || 'empty answer' }))
 *   .subscribe((o) => console.log(o.status)); // 'rejected'
 * ```
 *
 * @param config The predicate and the block name.
 * @returns An operator that rejects the records the predicate refuses.
 * @throws {ConfigError} When `predicate` is not a function, at the factory call.
 */
export function filterRecords<T>(config: FilterRecordsConfig<T>): MonoTypeOperatorFunction<Outcome<T>> {
  const { predicate, name } = parseConfig('filterRecords', configSchema, config);
  return mapAccepted((outcome) => {
    let verdict: boolean | string;
    try {
      verdict = predicate(outcome.record, outcome.id);
    } catch (error) {
      return rejected(outcome, [{ code: 'filter_failed', message: errorMessage(error), block: name }]);
    }
    if (verdict === true) return outcome;
    return rejected(outcome, [{ code: 'filtered', message: typeof verdict === 'string' ? verdict : 'rejected by the filter', block: name }]);
  });
}
