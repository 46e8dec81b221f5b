import { createRequire } from 'node:module';
import type { Parser } from 'node-sql-parser';
import { z } from 'zod';
import { errorMessage } from '../../error-message.ts';
import type { BlockDefinition, Verdict } from '../block-definition.ts';
import { fieldError, notText, quote, rejectAt, syntaxError } from './syntax-internals.ts';

// Each dialect's parser is a build of its own, loaded when a block of that dialect is created.
const require = createRequire(import.meta.url);

/** The SQL dialects `node-sql-parser` 5 parses, by the names its builds have. */
export const sqlDialects: readonly string[] = [
  'athena', 'bigquery', 'db2', 'flinksql', 'hive', 'mariadb', 'mysql', 'noql',
  'postgresql', 'redshift', 'snowflake', 'sqlite', 'transactsql', 'trino',
];

const fields = {
  /** The SQL dialect: one of {@link sqlDialects} (any case). @default 'mysql' */
  dialect: z.string().min(1).default('mysql'),
};

/** The location node-sql-parser's (peggy) syntax errors carry. */
interface ParseFailure {
  readonly location?: { readonly start?: { readonly offset?: number } };
}

/** Whether the parsed text holds at least one statement (an empty text, or one of comments, gives none). */
function holdsStatement(ast: unknown): boolean {
  return [ast].flat(Infinity).some((statement) => typeof statement === 'object' && statement !== null);
}

/** The verdict for text the parser refused: the token it stopped at, where. */
function sqlSyntaxError(label: string, sql: string, error: unknown): Verdict {
  const offset = (error as ParseFailure | undefined)?.location?.start?.offset;
  if (typeof offset !== 'number') return rejectAt('syntax_error', `${label}: syntax error`, undefined, errorMessage(error));
  const token = /^(?:[\p{L}\p{N}_$@#]+|\S)/u.exec(sql.slice(offset).trimStart())?.[0];
  const index = token === undefined ? sql.length : sql.indexOf(token, offset);
  return syntaxError(label, sql, index, token === undefined ? 'unexpected end of input' : `unexpected ${quote(token)}`);
}

/**
 * `validators/sql`: checks that the block's input `input` is SQL of one dialect (`node-sql-parser`: one or more
 * statements separated by `;`). Parsing checks syntax only: tables and columns are not looked up.
 *
 * A parse error, or a text without any statement, rejects with code `syntax_error` and a reason giving line, column and
 * the token the parser stopped at (`sql (postgresql): syntax error at line 1, column 22: unexpected end of input`).
 * A non-string input is `input_not_text`. The verdict's `metadata` holds `line`, `column` and `message`. It writes no
 * outputs.
 *
 * ## Example
 * ```yaml
 * - name: query_parses
 *   type: validators/sql
 *   input_map: { query: input }
 *   dialect: postgresql
 *   filter: true
 * ```
 */
export const sqlValidator: BlockDefinition<typeof fields> = {
  type: 'validators/sql',
  summary: 'checks that `input` is SQL of one dialect',
  fields,
  inputs: { required: ['input'] },
  validator: true,
  create(config, context) {
    const dialect = config.dialect.toLowerCase();
    if (!sqlDialects.includes(dialect)) {
      throw fieldError(context, 'dialect', `unknown SQL dialect ${JSON.stringify(config.dialect)}; known dialects: ${sqlDialects.join(', ')}`);
    }
    const parser = new (require(`node-sql-parser/build/${dialect}.js`) as { Parser: typeof Parser }).Parser();
    const options = { database: dialect };
    const label = `sql (${dialect})`;
    return {
      kind: 'validator',
      check(input) {
        const sql = input['input'];
        if (typeof sql !== 'string') return notText(sql);
        let ast: unknown;
        try {
          ast = parser.astify(sql, options);
        } catch (error) {
          return sqlSyntaxError(label, sql, error);
        }
        return holdsStatement(ast) ? { valid: true } : syntaxError(label, sql, sql.length, 'no SQL statement');
      },
    };
  },
};
