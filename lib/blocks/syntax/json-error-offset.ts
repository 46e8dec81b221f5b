const isDigit = (character: string | undefined): boolean => character !== undefined && character >= '0' && character <= '9';
const isHex = (character: string | undefined): boolean => character !== undefined && /^[0-9a-fA-F]$/.test(character);

/**
 * Where a text stops being JSON (RFC 8259, read as `JSON.parse` reads it): the UTF-16 index of the first character
 * that cannot continue it, the text's length when it ends too early, or -1 when it is valid JSON. For the errors V8
 * reports without a position (`Unexpected token '}', "..." is not valid JSON`). It walks the text without recursion,
 * so deep nesting cannot overflow the stack.
 *
 * ## Example
 * ```ts
 * jsonErrorOffset('{"a": tru}'); // 9
 * jsonErrorOffset('[1, 2');      // 5
 * jsonErrorOffset('[1, 2]');     // -1
 * ```
 */
export function jsonErrorOffset(text: string): number {
  let at = 0;
  const closers: string[] = [];
  const skipSpace = (): void => {
    while (text[at] === ' ' || text[at] === '\t' || text[at] === '\n' || text[at] === '\r') at += 1;
  };
  const digits = (): boolean => {
    const start = at;
    while (isDigit(text[at])) at += 1;
    return at > start;
  };
  const string = (): boolean => {
    at += 1; // the opening quote
    while (at < text.length) {
      const character = text[at]!;
      if (character === '"') {
        at += 1;
        return true;
      }
      if (character.charCodeAt(0) < 0x20) return false;
      if (character === '\\') {
        at += 1;
        const escaped = text[at];
        if (escaped === 'u') {
          for (let digit = 0; digit < 4; digit += 1) {
            at += 1;
            if (!isHex(text[at])) return false;
          }
        } else if (escaped === undefined || !'"\\/bfnrt'.includes(escaped)) return false;
      }
      at += 1;
    }
    return false;
  };
  const number = (): boolean => {
    if (text[at] === '-') at += 1;
    if (text[at] === '0') at += 1;
    else if (!digits()) return false;
    if (text[at] === '.') {
      at += 1;
      if (!digits()) return false;
    }
    if (text[at] === 'e' || text[at] === 'E') {
      at += 1;
      if (text[at] === '+' || text[at] === '-') at += 1;
      if (!digits()) return false;
    }
    return true;
  };
  const literal = (word: string): boolean => {
    for (const character of word) {
      if (text[at] !== character) return false;
      at += 1;
    }
    return true;
  };
  // A member's key and colon; the value follows.
  const key = (): boolean => {
    skipSpace();
    if (text[at] !== '"' || !string()) return false;
    skipSpace();
    if (text[at] !== ':') return false;
    at += 1;
    return true;
  };

  let expectValue = true;
  for (;;) {
    skipSpace();
    const character = text[at];
    if (expectValue) {
      if (character === '{' || character === '[') {
        const closer = character === '{' ? '}' : ']';
        at += 1;
        skipSpace();
        if (text[at] === closer) {
          at += 1;
          expectValue = false;
        } else {
          closers.push(closer);
          if (closer === '}' && !key()) return at;
        }
        continue;
      }
      const read =
        character === '"' ? string()
        : character === 't' ? literal('true')
        : character === 'f' ? literal('false')
        : character === 'n' ? literal('null')
        : character === '-' || isDigit(character) ? number()
        : false;
      if (!read) return at;
      expectValue = false;
      continue;
    }
    const closer = closers.at(-1);
    if (closer === undefined) return at === text.length ? -1 : at;
    if (character === ',') {
      at += 1;
      if (closer === '}' && !key()) return at;
      expectValue = true;
    } else if (character === closer) {
      at += 1;
      closers.pop();
    } else return at;
  }
}
