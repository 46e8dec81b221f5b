import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import { errorMessage } from '../lib/error-message.ts';
import { mapAccepted, passOn, rejected } from '../lib/outcome.ts';
import { parseConfig } from '../lib/parse-config.ts';
import type { Outcome } from '../lib/record.ts';

/** Config of {@link validate}. */
export interface ValidateConfig<Out> {
  /** The schema every accepted record must satisfy; the parsed value becomes the record. */
  readonly schema: z.ZodType<Out>;
  /** Block name in issues and reject files. @default 'validator' */
  readonly name?: string;
}

const configSchema = z.object({
  schema: z.custom<z.ZodType>((value) => value instanceof z.ZodType, 'expected a zod schema'),
  name: z.string().min(1).default('validator'),
});

/**
 * Checks each accepted record against a zod schema: a valid record continues as the schema's output, an
 * invalid one becomes a rejection with one `invalid_record` issue per zod issue, each with its field path.
 * A schema whose refinement or transform throws rejects the record with code `validate_failed`.
 *
 * ## Example
 * ```ts
 * import { of } from 'rxjs';
 * import { z } from 'zod';
 * import { accepted, validate } from 'rxdgt';
 * of(accepted('0-ab12', { question: 'Why?', answer: '' }))
 *   .pipe(validate({ schema: z.object({ question: z.string(), answer: z.string().min(1) }) }))
 *   .subscribe((o) => console.log(o.status)); // 'rejected' (answer: too small)
 * ```
 *
 * @param config The schema and the block name.
 * @returns An operator that narrows accepted records to the schema's output type.
 * @throws {ConfigError} When `schema` is not a zod schema, at the factory call.
 */
export function validate<In, Out>(config: ValidateConfig<Out>): OperatorFunction<Outcome<In>, Outcome<Out>> {
  const { schema, name } = parseConfig('validate', configSchema, config);
  return mapAccepted((outcome) => {
    let result: z.ZodSafeParseResult<unknown>;
    try {
      result = schema.safeParse(outcome.record);
    } catch (error) {
      // A refinement or transform that throws fails this record only, like a throwing filter predicate.
      return rejected(outcome, [{ code: 'validate_failed', message: errorMessage(error), block: name }]);
    }
    if (result.success) return passOn(outcome, result.data as Out);
    return rejected(
      outcome,
      result.error.issues.map((issue) => ({
        code: 'invalid_record',
        message: issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
        block: name,
        path: issue.path.map((key) => (typeof key === 'number' ? key : String(key))),
      })),
    );
  });
}
