import { describe, expect, it } from 'vitest';
import { sqlDialects, sqlValidator } from '../../../lib/blocks/syntax/sql-validator.ts';
import { checkerOf, configErrorOf } from './validator-harness.ts';

describe('validators/sql', () => {
  it('accepts statements of the default dialect, MySQL', async () => {
    const check = checkerOf(sqlValidator);
    for (const text of ['SELECT id, name FROM users WHERE age > 30 ORDER BY name', 'INSERT INTO t (a) VALUES (1); DELETE FROM t WHERE a = 1', 'SELECT `quoted` FROM t']) {
      expect(await check(text)).toEqual({ valid: true });
    }
  });

  it('rejects a syntax error with line, column and the token the parser stopped at', async () => {
    const check = checkerOf(sqlValidator);
    expect(await check('SELECT a\nFROM t\nWHERE b = = 1')).toEqual({
      valid: false,
      code: 'syntax_error',
      reason: 'sql (mysql): syntax error at line 3, column 11: unexpected "="',
      line: 3,
      column: 11,
      metadata: { line: 3, column: 11, message: 'unexpected "="' },
    });
    expect((await check('SELECT * FROM t LIMIT')).reason).toBe('sql (mysql): syntax error at line 1, column 22: unexpected end of input');
  });

  it('rejects a text without any statement', async () => {
    const check = checkerOf(sqlValidator);
    for (const text of ['', '  ;  ', '-- only a comment']) {
      expect(await check(text)).toMatchObject({ code: 'syntax_error', metadata: { message: 'no SQL statement' } });
    }
  });

  it('parses the dialect it is given', async () => {
    const postgres = checkerOf(sqlValidator, { dialect: 'PostgreSQL' });
    expect(await postgres('SELECT a::int FROM t')).toEqual({ valid: true });
    expect(await postgres('SELEC 1')).toMatchObject({ reason: 'sql (postgresql): syntax error at line 1, column 7: unexpected "1"' });
    expect(await checkerOf(sqlValidator, { dialect: 'transactsql' })('SELECT TOP 5 name FROM [users]')).toEqual({ valid: true });
    expect(await checkerOf(sqlValidator, { dialect: 'bigquery' })('SELECT * FROM `project.dataset.table`')).toEqual({ valid: true });
  });

  it('loads every dialect it lists', async () => {
    for (const dialect of sqlDialects) {
      expect(await checkerOf(sqlValidator, { dialect })('SELECT a FROM t')).toEqual({ valid: true });
    }
  });

  it('refuses an unknown dialect, listing the known ones', () => {
    const error = configErrorOf(sqlValidator, { dialect: 'oracle' });
    expect(error).toMatchObject({ file: 'b.yaml', field: 'blocks.0.dialect' });
    expect(error.message).toContain('unknown SQL dialect "oracle"; known dialects: athena, bigquery, db2');
    expect(error.message).toContain('postgresql');
  });

  it('rejects an input that is not a string', async () => {
    expect(await checkerOf(sqlValidator)(undefined)).toEqual({ valid: false, code: 'input_not_text', reason: 'input is undefined, expected a string' });
  });
});
