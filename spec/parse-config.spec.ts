import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { zodIssueToConfigError } from '../lib/config/zod-issue.ts';
import { ConfigError } from '../lib/errors/config-error.ts';
import { parseConfig } from '../lib/parse-config.ts';
import { configErrorFrom } from './config/temp-files.ts';

const schema = z.strictObject({ size: z.number(), name: z.string().min(1), nested: z.strictObject({ depth: z.number().int() }).optional() });

/** The problem text of the ConfigError that a config file with this value would get. */
function fileWording(value: unknown): string {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error('expected a failure');
  return zodIssueToConfigError(parsed.error, undefined).message;
}

describe('parseConfig', () => {
  test('returns the parsed config', () => {
    expect(parseConfig('owner', schema, { size: 1, name: 'n' })).toEqual({ size: 1, name: 'n' });
  });

  test('words problems as config files do, inside its own template', () => {
    const cases: [unknown, string][] = [
      [{ size: '1', name: 'n' }, 'owner: invalid config at `size`: expected number, received string'],
      [{ size: 1, name: 'n', colour: 'red' }, 'owner: invalid config at `colour`: unknown field'],
      [{ size: 1 }, 'owner: invalid config at `name`: missing required field (expected string)'],
      [{ size: 1, name: '' }, 'owner: invalid config at `name`: must not be empty'],
      [{ size: 1, name: 'n', nested: { depth: 1.5 } }, 'owner: invalid config at `nested.depth`: expected integer, received number'],
    ];
    for (const [value, message] of cases) {
      const error = configErrorFrom(() => parseConfig('owner', schema, value));
      expect(error.message).toBe(message);
      expect(message.endsWith(`: ${fileWording(value)}`)).toBe(true);
    }
  });

  test('names the field, keeps the zod error as the cause, and says (root) for a config that is not an object', () => {
    const error = configErrorFrom(() => parseConfig('owner', schema, { size: 'big', name: 'n' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.field).toBe('size');
    expect(error.cause).toBeInstanceOf(z.ZodError);
    expect(() => parseConfig('owner', schema, undefined)).toThrow('owner: invalid config at `(root)`: expected object, received undefined');
  });
});
