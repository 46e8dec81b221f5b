import { describe, expect, test } from 'vitest';
import { dgtEnv, expandEnv } from '../../lib/config/expand-env.ts';

describe('expandEnv', () => {
  test('fills DGT defaults for unset path variables', () => {
    expect(expandEnv('${DGT_DATA_DIR}/seeds.jsonl', {})).toBe('data/seeds.jsonl');
    expect(expandEnv('$DGT_OUTPUT_DIR/x and ${DGT_CACHE_DIR}', {})).toBe('output/x and .cache');
  });

  test('an explicit value wins over the default', () => {
    expect(expandEnv('${DGT_DATA_DIR}/seeds.jsonl', { DGT_DATA_DIR: '/srv/data' })).toBe('/srv/data/seeds.jsonl');
  });

  test('unknown variables stay as written, like os.path.expandvars', () => {
    expect(expandEnv('cost: $5 ${NOPE} $NOPE_EITHER ${} $', {})).toBe('cost: $5 ${NOPE} $NOPE_EITHER ${} $');
  });

  test('walks lists and mappings but leaves keys and non-strings alone', () => {
    const value = { $HOME: ['$USER', 3, null, { deep: '${USER}!' }], flag: true };
    expect(expandEnv(value, { USER: 'ada' })).toEqual({ $HOME: ['ada', 3, null, { deep: 'ada!' }], flag: true });
  });

  test('dgtEnv keeps other variables and set values', () => {
    const env = dgtEnv({ DGT_OUTPUT_DIR: 'out', OTHER: 'x' });
    expect(env).toMatchObject({ DGT_DATA_DIR: 'data', DGT_OUTPUT_DIR: 'out', DGT_CACHE_DIR: '.cache', OTHER: 'x' });
  });
});
