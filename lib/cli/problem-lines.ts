import { z } from 'zod';
import { describeZodIssues } from '../config/zod-issue.ts';
import { ConfigError } from '../errors/config-error.ts';
import { errorMessage } from '../error-message.ts';

/** A dotted field path of the parts given, empty ones left out. */
function joined(...parts: readonly (string | undefined)[]): string | undefined {
  const kept = parts.filter((part): part is string => part !== undefined && part !== '');
  return kept.length === 0 ? undefined : kept.join('.');
}

/**
 * The problems a ConfigError reports, one line each naming the file and the field. An error made from a zod failure
 * names its first problem and lists the others after `(also: ...)`: each of those gets its own line, worded as the
 * first (the same file, the field under the same prefix, the same subject such as ``block `dedup` ``). Credentials of
 * URLs in the message are hidden.
 *
 * ## Example
 * ```ts
 * problemLines(error);
 * // ['t/task.yaml: field `runner_config.seed`: expected integer, received string',
 * //  't/task.yaml: field `runner_config.num_output`: unknown field']
 * ```
 */
export function problemLines(error: ConfigError): string[] {
  const whole = [errorMessage(error)];
  if (!(error.cause instanceof z.ZodError)) return whole;
  const [first, ...others] = describeZodIssues(error.cause);
  if (first === undefined || others.length === 0) return whole;
  // The first problem's field, under the prefix the error put before it.
  const firstField = joined(...first.path.map(String));
  let prefix: string | undefined;
  if (error.field === firstField) prefix = undefined;
  else if (firstField !== undefined && error.field?.endsWith(`.${firstField}`)) prefix = error.field.slice(0, -firstField.length - 1);
  else if (firstField === undefined) prefix = error.field;
  else return whole;
  // What comes between where the error is and its first problem: its subject (``block `dedup`: ``), if any.
  const where = new ConfigError('', { file: error.file, field: error.field }).message;
  const said = error.message.slice(where.length);
  const at = said.indexOf(first.message);
  if (!error.message.startsWith(where) || at === -1 || !said.includes('(also: ')) return whole;
  const subject = said.slice(0, at);
  return [first, ...others].map((problem) => errorMessage(new ConfigError(`${subject}${problem.message}`, { file: error.file, field: joined(prefix, ...problem.path.map(String)) })));
}
