import type { z } from 'zod';
import { ConfigError } from '../errors/config-error.ts';

type Issue = z.ZodError['issues'][number];
type PathKey = PropertyKey;

/** One problem of a zod validation failure, worded for people: where it is and what is wrong. */
export interface ZodProblem {
  readonly path: readonly PathKey[];
  readonly message: string;
}

type Problem = ZodProblem;

/**
 * Words every issue of a zod failure as `{ path, message }` ("expected number, received string", "unknown field"),
 * one problem per unknown key. `base` is prepended to every path. The one wording of config problems, used by
 * {@link zodIssueToConfigError} and `parseConfig`.
 */
export function describeZodIssues(error: z.ZodError, base: readonly PathKey[] = []): ZodProblem[] {
  return error.issues.flatMap((issue) => describeIssue(issue, base));
}

/**
 * Turns a zod validation failure into one ConfigError. `field` is the dotted path of the first problem
 * (`runner_config.num_outputs_to_generate`; each unknown key is a problem of its own, `runner_config.num_output`);
 * the message states what was expected and lists any further problems. The ZodError is kept as `cause`.
 *
 * @param options.fieldPrefix dotted path to prepend when the validated value sits inside a larger file
 * @param options.subject what the value is, put before the message (``block `dedup` ``)
 */
export function zodIssueToConfigError(
  error: z.ZodError,
  file: string | undefined,
  options: { fieldPrefix?: string | undefined; subject?: string | undefined } = {},
): ConfigError {
  const prefix = options.fieldPrefix === undefined || options.fieldPrefix === '' ? [] : [options.fieldPrefix];
  const problems = describeZodIssues(error, prefix);
  const [first, ...rest] = problems.length > 0 ? problems : [{ path: prefix, message: 'invalid value' }];
  const more = rest.map((problem) => `${fieldOf(problem.path) ?? '(top level)'}: ${problem.message}`);
  const stated = more.length === 0 ? first!.message : `${first!.message} (also: ${more.join('; ')})`;
  const message = options.subject === undefined ? stated : `${options.subject}: ${stated}`;
  return new ConfigError(message, { file, field: fieldOf(first!.path), cause: error });
}

function describeIssue(issue: Issue, base: readonly PathKey[]): Problem[] {
  const path = [...base, ...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown field' }));
    case 'invalid_union':
      return describeUnion(issue, path);
    case 'invalid_type':
      return [{ path, message: typeMessage(issue.message, issue.path.length > 0) }];
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return [{ path, message: 'must not be empty' }];
      return [{ path, message: plain(issue.message) }];
    default:
      return [{ path, message: plain(issue.message) }];
  }
}

// A union fails in every branch. When a branch got past the top-level type check, its issues say what is
// wrong; otherwise the useful message is the list of types the branches expected.
function describeUnion(issue: Extract<Issue, { code: 'invalid_union' }>, path: readonly PathKey[]): Problem[] {
  const isTypeMiss = (branch: readonly Issue[]): boolean => branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0);
  const near = issue.errors.filter((branch) => !isTypeMiss(branch));
  if (near.length > 0) return near[0]!.flatMap((inner) => describeIssue(inner, path));
  const misses = issue.errors.flat().filter((inner) => inner.code === 'invalid_type' && inner.path.length === 0);
  if (misses.length === 0) return [{ path, message: plain(issue.message) }];
  const expected = [...new Set(misses.map((inner) => typeName(String((inner as { expected: unknown }).expected))))];
  const received = /received (\w+)/.exec(misses[0]!.message)?.[1];
  return [{ path, message: `expected ${expected.join(' or ')}${received ? `, received ${received}` : ''}` }];
}

// A missing value inside an object is a missing field; a missing value as a whole is just the wrong type.
function typeMessage(message: string, isField: boolean): string {
  const match = /expected (\w+), received (\w+)/.exec(message);
  if (match === null) return plain(message);
  if (match[2] === 'undefined' && isField) return `missing required field (expected ${typeName(match[1]!)})`;
  return `expected ${typeName(match[1]!)}, received ${match[2]}`;
}

function typeName(expected: string): string {
  return expected === 'int' ? 'integer' : expected === 'record' ? 'object' : expected;
}

function plain(message: string): string {
  const text = message.replace(/^Invalid input: /, '');
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function fieldOf(path: readonly PathKey[]): string | undefined {
  return path.length === 0 ? undefined : path.map(String).join('.');
}

/** How an error names the block a config belongs to (``block `dedup` ``), when the config has a name. */
export function blockSubject(config: unknown): string | undefined {
  const name = (config as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' && name !== '' ? `block \`${name}\`` : undefined;
}
