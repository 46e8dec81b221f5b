import { z } from 'zod';
import { errorMessage } from '../../error-message.ts';
import type { BlockDefinition } from '../block-definition.ts';
import { fieldError, notText, positionAt, quote, rejectAt } from './syntax-internals.ts';

const fields = {
  /** The regular expression, as JavaScript `RegExp` source (no surrounding slashes). */
  pattern: z.string(),
  /** `RegExp` flags among `d`, `i`, `m`, `s`, `u`, `v` (`g` and `y` would carry state from one record to the next). @default '' */
  flags: z.string().default(''),
  /** `search`: the pattern must occur somewhere in the text; `full`: it must match the whole text. @default 'search' */
  match: z.enum(['full', 'search']).default('search'),
  /** Reject when the pattern matches instead of when it does not (a forbidden pattern). @default false */
  invert: z.boolean().default(false),
};

/** `/source/flags`, cut when long, for reasons. */
function shown(pattern: string, flags: string): string {
  const source = [...pattern].length > 80 ? `${[...pattern].slice(0, 80).join('')}…` : pattern;
  return `/${source}/${flags}`;
}

/**
 * `validators/regex`: checks the block's input `input` against a regular expression: that the pattern occurs in it
 * (`match: search`, the default) or matches all of it (`match: full`), or with `invert: true` that it does not.
 *
 * A failure rejects with code `pattern_mismatch` and a reason naming the pattern (`regex: the text does not match the
 * pattern /^\d+$/`); a forbidden match gives its line, column and text (`regex: the text matches the forbidden pattern
 * /TODO/ at line 3, column 5: "TODO"`). A non-string input is `input_not_text`. The verdict's `metadata` holds
 * `message` and `pattern` (and `line`, `column` of a forbidden match). It writes no outputs.
 *
 * ## Example
 * ```yaml
 * - name: no_placeholders
 *   type: validators/regex
 *   input_map: { answer: input }
 *   pattern: '\[(TODO|TBD)\]'
 *   flags: i
 *   invert: true
 *   filter: true
 * ```
 */
export const regexValidator: BlockDefinition<typeof fields> = {
  type: 'validators/regex',
  summary: 'checks that `input` matches (or, inverted, does not match) a regular expression',
  fields,
  inputs: { required: ['input'] },
  validator: true,
  create(config, context) {
    const { pattern, flags, match, invert } = config;
    if (!/^[dimsuv]*$/.test(flags)) {
      throw fieldError(context, 'flags', `flags may be d, i, m, s, u and v (g and y keep state between records); received ${JSON.stringify(flags)}`);
    }
    let search: RegExp;
    try {
      new RegExp('', flags);
    } catch (error) {
      throw fieldError(context, 'flags', `invalid regular expression flags ${JSON.stringify(flags)}: ${errorMessage(error)}`, error);
    }
    try {
      search = new RegExp(pattern, flags);
    } catch (error) {
      throw fieldError(context, 'pattern', `invalid regular expression: ${errorMessage(error)}`, error);
    }
    // Sticky, and followed by the end of the text: a match of the whole text. `lastIndex` is reset before each use.
    const full = new RegExp(`(?:${pattern})(?![\\s\\S])`, `${flags}y`);
    const display = shown(pattern, flags);
    const metadata = { pattern: display };
    return {
      kind: 'validator',
      check(input) {
        const text = input['input'];
        if (typeof text !== 'string') return notText(text);
        if (match === 'full') {
          full.lastIndex = 0;
          const matches = full.test(text);
          if (matches === !invert) return { valid: true };
          const message = invert ? `the whole text matches the forbidden pattern ${display}` : `the text as a whole does not match the pattern ${display}`;
          return rejectAt('pattern_mismatch', 'regex', undefined, message, metadata);
        }
        const found = search.exec(text);
        if ((found !== null) === !invert) return { valid: true };
        if (found === null) return rejectAt('pattern_mismatch', 'regex', undefined, `the text does not match the pattern ${display}`, metadata);
        const { line, column } = positionAt(text, found.index);
        const message = `the text matches the forbidden pattern ${display} at line ${line}, column ${column}: ${quote(found[0], 40)}`;
        return { valid: false, code: 'pattern_mismatch', reason: `regex: ${message}`, line, column, metadata: { ...metadata, line, column, message } };
      },
    };
  },
};
