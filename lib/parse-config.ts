import type { z } from 'zod';
import { describeZodIssues } from './config/zod-issue.ts';
import { ConfigError } from './errors/config-error.ts';

/**
 * Parses a factory's config with its zod schema, eagerly (R3). A bad value throws a `ConfigError` worded as config
 * files' errors are: `<owner>: invalid config at \`path\`: <problem>`, for the first problem.
 */
export function parseConfig<S extends z.ZodType>(owner: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const [problem] = describeZodIssues(result.error);
  const path = problem?.path.map(String).join('.') || '(root)';
  throw new ConfigError(`${owner}: invalid config at \`${path}\`: ${problem?.message ?? 'invalid value'}`, { field: path, cause: result.error });
}
