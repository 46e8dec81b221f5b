import { z } from 'zod';
import type { BlockDefinition } from '../block-definition.ts';
import { codePointCount, fieldError, notText } from './syntax-internals.ts';

const bound = z.number().int().nonnegative().optional();

const fields = {
  /** The least length allowed, in `unit`s. */
  min: bound,
  /** The greatest length allowed, in `unit`s. */
  max: bound,
  /** What is counted: characters (Unicode code points), words (runs of non-space) or lines. @default 'characters' */
  unit: z.enum(['characters', 'words', 'lines']).default('characters'),
};

type Unit = z.output<typeof fields.unit>;

/** Whether a UTF-16 unit is white space as `\s` reads it. */
function isWhiteSpace(unit: number): boolean {
  if (unit <= 0x20) return unit === 0x20 || (unit >= 0x09 && unit <= 0x0d);
  if (unit < 0xa0) return false;
  return unit === 0xa0 || unit === 0x1680 || (unit >= 0x2000 && unit <= 0x200a) || unit === 0x2028 || unit === 0x2029 || unit === 0x202f || unit === 0x205f || unit === 0x3000 || unit === 0xfeff;
}

/** The number of runs of non-space characters. */
function wordCount(text: string): number {
  let count = 0;
  let inWord = false;
  for (let at = 0; at < text.length; at += 1) {
    const space = isWhiteSpace(text.charCodeAt(at));
    if (!space && !inWord) count += 1;
    inWord = !space;
  }
  return count;
}

/** The length of a text in a unit. A final line break does not start a line; an empty text has no lines. */
function measure(text: string, unit: Unit): number {
  if (unit === 'characters') return codePointCount(text);
  if (unit === 'words') return wordCount(text);
  if (text === '') return 0;
  const breaks = text.match(/\r\n|\r|\n/g)?.length ?? 0;
  return /(?:\r\n|\r|\n)$/.test(text) ? breaks : breaks + 1;
}

/** `1 word`, `12 characters`. */
const amount = (count: number, unit: Unit): string => `${count} ${count === 1 ? unit.slice(0, -1) : unit}`;

/**
 * `validators/length`: checks that the block's input `input` is between `min` and `max` long (either may be left
 * out, not both), counted in characters (Unicode code points), words or lines.
 *
 * A text out of range rejects with code `length_out_of_range` and a reason giving the length and the bound it breaks
 * (`the text has 143 words, more than the maximum of 120`). A non-string input is `input_not_text`. The verdict's
 * `metadata` holds `message`, `length`, `unit` and the bounds. It writes no outputs.
 *
 * ## Example
 * ```yaml
 * - name: answer_length
 *   type: validators/length
 *   input_map: { answer: input }
 *   unit: words
 *   min: 5
 *   max: 120
 *   filter: true
 * ```
 */
export const lengthValidator: BlockDefinition<typeof fields> = {
  type: 'validators/length',
  summary: 'checks that `input` is between `min` and `max` characters, words or lines long',
  fields,
  inputs: { required: ['input'] },
  validator: true,
  create(config, context) {
    const { min, max, unit } = config;
    if (min === undefined && max === undefined) throw fieldError(context, 'max', 'set `min`, `max` or both');
    if (min !== undefined && max !== undefined && min > max) throw fieldError(context, 'min', `\`min\` (${min}) is greater than \`max\` (${max})`);
    const bounds = { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
    return {
      kind: 'validator',
      check(input) {
        const text = input['input'];
        if (typeof text !== 'string') return notText(text);
        const length = measure(text, unit);
        const below = min !== undefined && length < min;
        if (!below && (max === undefined || length <= max)) return { valid: true };
        const message = below ? `the text has ${amount(length, unit)}, fewer than the minimum of ${min}` : `the text has ${amount(length, unit)}, more than the maximum of ${max}`;
        return { valid: false, code: 'length_out_of_range', reason: message, metadata: { message, length, unit, ...bounds } };
      },
    };
  },
};
