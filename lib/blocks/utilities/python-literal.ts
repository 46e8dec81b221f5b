/**
 * Reads a Python literal holding JSON-like data, the fallback DGT uses when a model writes tool calls with single
 * quotes or `True`/`None`: strings (single, double or triple quoted, `r`/`u` prefixes, adjacent ones joined),
 * numbers, `True`/`False`/`None`, lists, tuples (as lists) and dicts (non-string keys become their JSON text).
 * Sets, bytes and complex numbers have no JSON form, so they fail like everything else malformed.
 *
 * ## Example
 * ```ts
 * parsePythonLiteral("[{'name': 'f', 'arguments': {'x': True, 'y': None}}]");
 * // { success: true, value: [{ name: 'f', arguments: { x: true, y: null } }] }
 * parsePythonLiteral('{1, 2}'); // { success: false }
 * ```
 */
export function parsePythonLiteral(text: string): { readonly success: true; readonly value: unknown } | { readonly success: false } {
  try {
    const reader = new LiteralReader(text);
    const value = reader.value();
    reader.skipSpace();
    return reader.atEnd() ? { success: true, value } : { success: false };
  } catch {
    return { success: false };
  }
}

const escapes: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07', '\\': '\\', "'": "'", '"': '"', '\n': '' };
const numberPattern = /^(?:0[xX][\da-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)/;

class LiteralReader {
  private at = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.at >= this.text.length;
  }

  skipSpace(): void {
    while (/\s/.test(this.text.charAt(this.at))) this.at += 1;
  }

  value(): unknown {
    this.skipSpace();
    const char = this.text.charAt(this.at);
    if (char === '[') return this.sequence(']');
    if (char === '(') return this.sequence(')');
    if (char === '{') return this.dict();
    if (char === '-' || char === '+') {
      this.at += 1;
      const operand = this.value();
      if (typeof operand !== 'number') throw new SyntaxError('sign before a non-number');
      return char === '-' ? -operand : operand;
    }
    const name = /^[A-Za-z_]\w*/.exec(this.text.slice(this.at))?.[0];
    if (name !== undefined && /^[rRuU]?$/.test(name) && /['"]/.test(this.text.charAt(this.at + name.length))) return this.strings();
    if (char === "'" || char === '"') return this.strings();
    if (name !== undefined) {
      this.at += name.length;
      const constants: Readonly<Record<string, unknown>> = { True: true, False: false, None: null };
      if (!Object.hasOwn(constants, name)) throw new SyntaxError(`name ${name}`);
      return constants[name];
    }
    const digits = numberPattern.exec(this.text.slice(this.at))?.[0];
    if (!digits || /[jJ]/.test(this.text.charAt(this.at + digits.length))) throw new SyntaxError('not a literal');
    this.at += digits.length;
    const plain = digits.replaceAll('_', '');
    return /^0[xXoObB]/.test(plain) ? Number(plain.toLowerCase()) : Number(plain);
  }

  private sequence(close: string): unknown {
    this.at += 1;
    const items: unknown[] = [];
    let commas = 0;
    for (;;) {
      this.skipSpace();
      if (this.text.charAt(this.at) === close) break;
      items.push(this.value());
      this.skipSpace();
      if (this.text.charAt(this.at) !== ',') break;
      this.at += 1;
      commas += 1;
    }
    this.expect(close);
    // `(x)` is x itself; `(x,)` and `()` are tuples.
    return close === ')' && items.length === 1 && commas === 0 ? items[0] : items;
  }

  private dict(): Record<string, unknown> {
    this.at += 1;
    const result: Record<string, unknown> = {};
    for (;;) {
      this.skipSpace();
      if (this.text.charAt(this.at) === '}') break;
      const key = this.value();
      this.skipSpace();
      this.expect(':');
      const entry = this.value();
      if (key !== null && typeof key === 'object') throw new SyntaxError('unhashable or non-JSON key');
      Object.defineProperty(result, typeof key === 'string' ? key : JSON.stringify(key), { value: entry, enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      if (this.text.charAt(this.at) !== ',') break;
      this.at += 1;
    }
    this.expect('}');
    return result;
  }

  private strings(): string {
    let joined = '';
    do {
      joined += this.string();
      this.skipSpace();
    } while (/^[rRuU]?['"]/.test(this.text.slice(this.at, this.at + 2)));
    return joined;
  }

  private string(): string {
    const raw = /[rR]/.test(this.text.charAt(this.at));
    if (/[rRuU]/.test(this.text.charAt(this.at))) this.at += 1;
    const quote = this.text.startsWith(this.text.charAt(this.at).repeat(3), this.at) ? this.text.charAt(this.at).repeat(3) : this.text.charAt(this.at);
    this.at += quote.length;
    let result = '';
    while (!this.text.startsWith(quote, this.at)) {
      const char = this.text.charAt(this.at);
      if (char === '' || (char === '\n' && quote.length === 1)) throw new SyntaxError('unterminated string');
      if (char !== '\\') {
        result += char;
        this.at += 1;
        continue;
      }
      const next = this.text.charAt(this.at + 1);
      if (raw) {
        result += char + next;
        this.at += 2;
      } else if (next === 'x' || next === 'u' || next === 'U') {
        const length = { x: 2, u: 4, U: 8 }[next];
        const hex = this.text.slice(this.at + 2, this.at + 2 + length);
        if (!new RegExp(`^[\\da-fA-F]{${length}}$`).test(hex)) throw new SyntaxError('bad escape');
        result += String.fromCodePoint(Number.parseInt(hex, 16));
        this.at += 2 + length;
      } else {
        result += Object.hasOwn(escapes, next) ? escapes[next] : char + next;
        this.at += 2;
      }
    }
    this.at += quote.length;
    return result;
  }

  private expect(char: string): void {
    if (this.text.charAt(this.at) !== char) throw new SyntaxError(`expected ${char}`);
    this.at += 1;
  }
}
