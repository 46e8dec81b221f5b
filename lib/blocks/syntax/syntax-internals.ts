/**
 * Helpers shared by the syntax validators (`validators/json`, `validators/python`, ...): positions in a text,
 * quoting, and the verdicts they give back. Not exported from the package.
 */
import type { Fields } from '../../record.ts';
import type { BlockContext, Verdict } from '../block-definition.ts';
import { ConfigError } from '../../errors/config-error.ts';

/** A place in a text: 1-based line and column, the column counted in characters (Unicode code points). */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

/** The number of characters (Unicode code points) of `text` between two UTF-16 indexes. */
export function codePointCount(text: string, start = 0, end = text.length): number {
  let count = end - start;
  for (let at = start; at < end - 1; at += 1) {
    if (isHighSurrogate(text.charCodeAt(at)) && isLowSurrogate(text.charCodeAt(at + 1))) {
      count -= 1;
      at += 1;
    }
  }
  return count;
}

/** The line and column of a UTF-16 index of `text` (JavaScript string positions, as parsers report them). */
export function positionAt(text: string, index: number): TextPosition {
  const end = Math.max(0, Math.min(index, text.length));
  let line = 1;
  let lineStart = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < end; at = text.indexOf('\n', at + 1)) {
    line += 1;
    lineStart = at + 1;
  }
  return { line, column: codePointCount(text, lineStart, end) + 1 };
}

/** A short quoted excerpt for a reason: the first line of `text`, cut to `limit` characters. */
export function quote(text: string, limit = 24): string {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const characters = [...firstLine];
  const cut = characters.length > limit || firstLine.length < text.length;
  return JSON.stringify(characters.slice(0, limit).join('') + (cut ? '…' : ''));
}

/** `a number`, `an array`, `null`: what a non-text value is, for `input_not_text`. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The verdict for an input that is not a string. */
export function notText(value: unknown): Verdict {
  return { valid: false, code: 'input_not_text', reason: `input is ${describeValue(value)}, expected a string` };
}

/**
 * A rejection at a place of the checked text: the reason reads `<subject> at line L, column C: <message>`, and the
 * verdict carries the position and the message (in `metadata` too, for records kept with `filter: false`).
 */
export function rejectAt(
  code: string,
  subject: string,
  position: TextPosition | undefined,
  message: string,
  metadata: Fields = {},
): Verdict {
  if (position === undefined) return { valid: false, code, reason: `${subject}: ${message}`, metadata: { ...metadata, message } };
  const { line, column } = position;
  return {
    valid: false,
    code,
    reason: `${subject} at line ${line}, column ${column}: ${message}`,
    line,
    column,
    metadata: { ...metadata, line, column, message },
  };
}

/** A syntax error of `language` at a UTF-16 index of `text` (`python: syntax error at line 2, column 11: missing ")"`). */
export function syntaxError(language: string, text: string, index: number, message: string): Verdict {
  return rejectAt('syntax_error', `${language}: syntax error`, positionAt(text, index), message);
}

/** Where a block's own field is, for a ConfigError. */
export function fieldOf(context: BlockContext, field: string): { readonly file: string; readonly field: string } {
  return { file: context.file, field: `${context.field}.${field}` };
}

/** A ConfigError about one of a block's own fields. */
export function fieldError(context: BlockContext, field: string, message: string, cause?: unknown): ConfigError {
  return new ConfigError(message, { ...fieldOf(context, field), cause });
}
