import { parsePythonLiteral } from '../../lib/blocks/utilities/python-literal.ts';

/**
 * The text between `<tag>` and `</tag>` as DGT cuts it: the part before the first `</tag>`, after the last `<tag>`
 * in it, trimmed; the whole (trimmed) text when there are no tags.
 *
 * ## Example
 * ```ts
 * taggedText('x <pass>yes</pass> y', 'pass'); // 'yes'
 * taggedText('no tags', 'pass');              // 'no tags'
 * ```
 */
export function taggedText(text: string, tag: string): string {
  const head = text.trim().split(`</${tag}>`)[0]!;
  return head.split(`<${tag}>`).at(-1)!.trim();
}

/**
 * The first JSON list of objects (`[{`) or object (`{`) in a text, up to its balanced closing bracket (DGT's
 * `extract_first_tool_call`); undefined when there is none or it never closes.
 *
 * ## Example
 * ```ts
 * extractFirstToolCall('Here: [{"name": "f"}] done'); // '[{"name": "f"}]'
 * ```
 */
export function extractFirstToolCall(text: string): string | undefined {
  let start = -1;
  let open = '';
  let close = '';
  for (let index = 0; index < text.length; index += 1) {
    const rest = text.slice(index + 1).replace(/\s/g, '');
    if (text[index] === '[' && rest.startsWith('{')) {
      [start, open, close] = [index, '[', ']'];
      break;
    }
    if (text[index] === '{' && rest.length > 0) {
      [start, open, close] = [index, '{', '}'];
      break;
    }
  }
  if (start < 0) return undefined;
  let depth = 0;
  for (let index = start; index < text.length; index += 1) {
    if (text[index] === open) depth += 1;
    if (text[index] === close) depth -= 1;
    if (depth === 0) return text.slice(start, index + 1);
  }
  return undefined;
}

/** A text read as JSON, else as a Python literal (DGT's `try_parse_json_string`); undefined when neither works. */
export function parseLooseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    const literal = parsePythonLiteral(text);
    return literal.success ? literal.value : undefined;
  }
}
