import type { z } from 'zod';
import { ConfigError } from './errors/config-error.ts';

/**
 * Parses a factory's config with its zod schema, eagerly (R3). A bad value throws a `ConfigError`:
 * `<owner>: invalid config at \`path\`: <zod message>`.
 */
export function parseConfig<S extends z.ZodType>(owner: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.join('.') || '(root)';
  throw new ConfigError(`${owner}: invalid config at \`${path}\`: ${issue?.message ?? 'invalid value'}`, { field: path });
}
