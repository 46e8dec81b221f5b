const isSpace = (character: string | undefined): boolean => character === ' ' || character === '\t' || character === '\n' || character === '\r';

function skipSpace(text: string, at: number): number {
  while (isSpace(text[at])) at += 1;
  return at;
}

/** The index after the string that starts (with its quote) at `at`. */
function stringEnd(text: string, at: number): number {
  for (let index = at + 1; index < text.length; index += 1) {
    if (text[index] === '\\') index += 1;
    else if (text[index] === '"') return index + 1;
  }
  return text.length;
}

/** The index after the value that starts at `at`. */
function valueEnd(text: string, at: number): number {
  const first = text[at];
  if (first === '"') return stringEnd(text, at);
  if (first !== '{' && first !== '[') {
    while (at < text.length && !isSpace(text[at]) && text[at] !== ',' && text[at] !== '}' && text[at] !== ']') at += 1;
    return at;
  }
  let depth = 0;
  for (let index = at; index < text.length; index += 1) {
    const character = text[index];
    if (character === '"') index = stringEnd(text, index) - 1;
    else if (character === '{' || character === '[') depth += 1;
    else if ((character === '}' || character === ']') && --depth === 0) return index + 1;
  }
  return text.length;
}

/** From the start of a member's or element's value: past it, its comma and the space after. */
function nextItem(text: string, at: number): number {
  at = skipSpace(text, valueEnd(text, at));
  return text[at] === ',' ? skipSpace(text, at + 1) : at;
}

/**
 * Where the value at a path (object keys and array indexes, as a JSON pointer's segments) starts in a valid JSON text:
 * its UTF-16 index, or undefined when the path is not in it. Of duplicate keys the last counts, as in `JSON.parse`.
 * Only the containers along the path are entered; the rest is skipped.
 *
 * ## Example
 * ```ts
 * jsonValueOffset('{"a": [10, {"b": true}]}', ['a', '1', 'b']); // 17
 * jsonValueOffset('{"a": 1}', ['z']);                            // undefined
 * ```
 */
export function jsonValueOffset(text: string, path: readonly string[]): number | undefined {
  let at = skipSpace(text, 0);
  for (const segment of path) {
    if (text[at] === '{') {
      let found: number | undefined;
      at = skipSpace(text, at + 1);
      while (at < text.length && text[at] === '"') {
        const keyEnd = stringEnd(text, at);
        const key = JSON.parse(text.slice(at, keyEnd)) as string;
        at = skipSpace(text, skipSpace(text, keyEnd) + 1);
        if (key === segment) found = at;
        at = nextItem(text, at);
      }
      if (found === undefined) return undefined;
      at = found;
    } else if (text[at] === '[') {
      if (!/^(?:0|[1-9]\d*)$/.test(segment)) return undefined;
      at = skipSpace(text, at + 1);
      for (let index = Number(segment); index > 0 && at < text.length && text[at] !== ']'; index -= 1) at = nextItem(text, at);
      if (at >= text.length || text[at] === ']') return undefined;
    } else return undefined;
  }
  return at;
}
