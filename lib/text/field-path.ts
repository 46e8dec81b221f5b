/** One step of a field path: a field of an object, an item or slice of an array, or (writes only) an append. */
export type FieldPathStep =
  | { readonly kind: 'key'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'slice'; readonly start?: number; readonly end?: number }
  | { readonly kind: 'append' };

/** A parsed field path: the text it came from and its steps, the first always a `key`. Frozen. */
export interface FieldPath {
  readonly text: string;
  readonly steps: readonly FieldPathStep[];
}

/** What {@link getField} returns in non-strict mode when the path's last step is absent. */
export const missing: unique symbol = Symbol('missing');

/** Options of {@link getField}. */
export interface GetFieldOptions {
  /** When false, an absent last step returns {@link missing} instead of throwing; absent intermediate steps still throw. @default true */
  readonly strict?: boolean;
}

const parsed = new Map<string, FieldPath>();
const memoLimit = 1024;

/**
 * Parses DGT's field-path language: `a.b.c` (fields), `a[0]` and `a[-1]` (items, negative from the end),
 * `a[:2]`, `a[1:]`, `a[1:-1]` (slices, last step only, reads only), `a[+]` (append, writes only); brackets chain
 * (`grid[0][1]`). Repeated paths come from a small cache.
 *
 * ## Example
 * ```ts
 * parseFieldPath('messages[0].content').steps;
 * // [{ kind: 'key', name: 'messages' }, { kind: 'index', index: 0 }, { kind: 'key', name: 'content' }]
 * parseFieldPath('a..b'); // throws TypeError: field path `a..b` is malformed: empty field name at position 2
 * ```
 *
 * @throws {TypeError} when `path` is not a string or is malformed (`''`, `a[`, `a[x]`, `a..b`, `.a`, `a[:1].b`).
 */
export function parseFieldPath(path: string): FieldPath {
  if (typeof path !== 'string') throw new TypeError(`field path must be a string, received ${describe(path)}`);
  const known = parsed.get(path);
  if (known) return known;
  const result: FieldPath = Object.freeze({ text: path, steps: Object.freeze(parseSteps(path)) });
  if (parsed.size >= memoLimit) parsed.clear();
  parsed.set(path, result);
  return result;
}

function parseSteps(path: string): FieldPathStep[] {
  const fail = (reason: string): never => {
    throw new TypeError(`field path \`${path}\` is malformed: ${reason}`);
  };
  if (path === '') fail('it is empty');
  const steps: FieldPathStep[] = [];
  let at = 0;
  for (;;) {
    const start = at;
    while (at < path.length && !'.[]'.includes(path[at] as string)) at += 1;
    if (at === start) fail(`empty field name at position ${at}`);
    steps.push(Object.freeze({ kind: 'key', name: path.slice(start, at) }));
    while (path[at] === '[') {
      const close = path.indexOf(']', at);
      if (close < 0) fail(`\`[\` at position ${at} is never closed`);
      steps.push(Object.freeze(parseBracket(path.slice(at + 1, close).trim(), fail)));
      at = close + 1;
    }
    if (at === path.length) break;
    if (path[at] !== '.') fail(`unexpected \`${path[at]}\` at position ${at}`);
    at += 1;
  }
  if (steps.slice(0, -1).some((step) => step.kind === 'slice')) fail('a slice can only be the last step');
  return steps;
}

function parseBracket(inside: string, fail: (reason: string) => never): FieldPathStep {
  if (inside === '+') return { kind: 'append' };
  const toInteger = (digits: string): number => {
    const value = Number(digits);
    return Number.isSafeInteger(value) ? value : fail(`index \`${digits}\` is too large`);
  };
  if (/^-?\d+$/.test(inside)) return { kind: 'index', index: toInteger(inside) };
  const slice = /^(-?\d+)?\s*:\s*(-?\d+)?$/.exec(inside);
  if (!slice) return fail(`\`[${inside}]\` is not an index (\`[0]\`, \`[-1]\`), a slice (\`[1:]\`, \`[:2]\`) or \`[+]\``);
  const [, start, end] = slice;
  return { kind: 'slice', ...(start === undefined ? {} : { start: toInteger(start) }), ...(end === undefined ? {} : { end: toInteger(end) }) };
}

/**
 * Reads the value a field path points at, as DGT's `from_dict`: a present `null` is a value; a field holding
 * `undefined` counts as absent (JSON has no `undefined`). Slices return a new array.
 *
 * ## Example
 * ```ts
 * const record = { messages: [{ content: 'hi' }, { content: 'bye' }], meta: { lang: 'en' } };
 * getField(record, 'messages[-1].content');                  // 'bye'
 * getField(record, 'messages[:1]');                          // [{ content: 'hi' }]
 * getField(record, 'meta.region', { strict: false });        // missing
 * getField(record, 'meta.region');  // throws: field path `meta.region`: `meta.region` is absent; `meta` has fields lang
 * getField(record, 'meta.lang.code'); // throws: field path `meta.lang.code`: `meta.lang` is a string, expected an object
 * ```
 *
 * @param record the object to read.
 * @param path a path text or a {@link FieldPath} from {@link parseFieldPath}.
 * @returns the value, or {@link missing} when `strict` is false and the last step is absent.
 * @throws {TypeError} when the path is malformed or appends (`[+]`), or a step meets the wrong kind of value.
 * @throws {Error} when a step is absent (in non-strict mode, only an intermediate one).
 */
export function getField(record: unknown, path: string | FieldPath, options: GetFieldOptions = {}): unknown {
  const { text, steps } = typeof path === 'string' ? parseFieldPath(path) : path;
  // Read once per record by blocks and criteria: no closure, iterator or message is made unless a step fails.
  for (let position = 0; position < steps.length; position += 1) {
    if (steps[position]!.kind === 'append') throw new TypeError(`field path \`${text}\`: \`[+]\` appends, so it cannot be read`);
  }
  const strict = options.strict ?? true;
  let current = record;
  for (let position = 0; position < steps.length; position += 1) {
    const step = steps[position]!;
    if (step.kind === 'key') {
      const object = expectObject(current, text, steps, position);
      const value = Object.hasOwn(object, step.name) ? object[step.name] : undefined;
      if (value === undefined) return absent(text, steps, position, strict, () => fieldList(object));
      current = value;
    } else if (step.kind !== 'append') {
      const array = expectArray(current, text, steps, position);
      if (step.kind === 'slice') return array.slice(step.start, step.end);
      const index = step.index < 0 ? array.length + step.index : step.index;
      if (index < 0 || index >= array.length) return absent(text, steps, position, strict, () => `has ${items(array)}`);
      current = array[index];
    }
  }
  return current;
}

/** A step that found nothing: {@link missing} for the last step when not strict, else an error naming the step. */
function absent(text: string, steps: readonly FieldPathStep[], position: number, strict: boolean, detail: () => string): unknown {
  if (!strict && position === steps.length - 1) return missing;
  throw new Error(`field path \`${text}\`: \`${format(steps, position + 1)}\` is absent; ${label(steps, position)} ${detail()}`);
}

/**
 * Returns a copy of `record` with the value at `path` set, as DGT's `to_dict`: missing or `null` intermediate
 * fields become objects (or arrays before `[n]`/`[+]`); `[+]` appends (a fresh object when more steps follow);
 * `[n]` replaces item n, or appends when n is the array's length. Only the objects and arrays along the path are
 * copied; the input (frozen or not) is never modified.
 *
 * ## Example
 * ```ts
 * const record = Object.freeze({ question: 'q', tags: ['a'] });
 * setField(record, 'annotations.magpie.score', 0.9); // { question: 'q', tags: ['a'], annotations: { magpie: { score: 0.9 } } }
 * setField(record, 'tags[+]', 'b');                  // { question: 'q', tags: ['a', 'b'] }
 * setField(record, 'question.text', 'x');  // throws: field path `question.text`: `question` is a string, expected an object
 * ```
 *
 * @param record the object to copy; the result has its type, though the path may add fields that type does not name.
 * @param path a path text or a {@link FieldPath} from {@link parseFieldPath}; slices cannot be written.
 * @throws {TypeError} when the path is malformed or slices, or a step meets the wrong kind of value.
 * @throws {Error} when an index is beyond the end of its array.
 */
export function setField<T extends Readonly<Record<string, unknown>>>(record: T, path: string | FieldPath, value: unknown): T {
  const fieldPath = typeof path === 'string' ? parseFieldPath(path) : path;
  expectObject(record, fieldPath.text, fieldPath.steps, 0);
  return write(record, fieldPath, 0, value) as T;
}

function write(existing: unknown, path: FieldPath, position: number, value: unknown): unknown {
  const step = path.steps[position] as FieldPathStep;
  const child = (current: unknown) => (position === path.steps.length - 1 ? value : write(current, path, position + 1, value));
  if (step.kind === 'key') {
    const object = existing == null ? {} : expectObject(existing, path.text, path.steps, position);
    const copy: Record<string, unknown> = { ...object };
    const current = Object.hasOwn(object, step.name) ? object[step.name] : undefined;
    // A field named `__proto__` must stay a plain field: defined, not assigned (which would set the prototype). Any
    // other name is assigned: the same field, without defineProperty's slow path (a duplicate's marks, per record).
    if (step.name === '__proto__') Object.defineProperty(copy, step.name, { value: child(current), enumerable: true, writable: true, configurable: true });
    else copy[step.name] = child(current);
    return copy;
  }
  const array = existing == null ? [] : expectArray(existing, path.text, path.steps, position);
  if (step.kind === 'append') return [...array, child(undefined)];
  if (step.kind === 'slice') throw new TypeError(`field path \`${path.text}\`: a slice cannot be written`);
  const index = step.index < 0 ? array.length + step.index : step.index;
  if (index < 0 || index > array.length) {
    const where = `${label(path.steps, position)} has ${items(array)}`;
    throw new Error(`field path \`${path.text}\`: cannot write \`${format(path.steps, position + 1)}\`; ${where}`);
  }
  const copy = array.slice();
  copy[index] = child(array[index]);
  return copy;
}

function expectObject(value: unknown, text: string, steps: readonly FieldPathStep[], position: number): Readonly<Record<string, unknown>> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Readonly<Record<string, unknown>>;
  throw new TypeError(`field path \`${text}\`: ${label(steps, position)} is ${describe(value)}, expected an object`);
}

function expectArray(value: unknown, text: string, steps: readonly FieldPathStep[], position: number): readonly unknown[] {
  if (Array.isArray(value)) return value;
  throw new TypeError(`field path \`${text}\`: ${label(steps, position)} is ${describe(value)}, expected an array`);
}

/** Names the value the step at `position` looks into: the record itself, or the path up to that step. */
function label(steps: readonly FieldPathStep[], position: number): string {
  return position === 0 ? 'the record' : `\`${format(steps, position)}\``;
}

function format(steps: readonly FieldPathStep[], count: number): string {
  return steps.slice(0, count).map((step, position) => {
    if (step.kind === 'key') return position === 0 ? step.name : `.${step.name}`;
    if (step.kind === 'index') return `[${step.index}]`;
    if (step.kind === 'append') return '[+]';
    return `[${step.start ?? ''}:${step.end ?? ''}]`;
  }).join('');
}

function items(array: readonly unknown[]): string {
  return `${array.length} item${array.length === 1 ? '' : 's'}`;
}

function fieldList(object: Readonly<Record<string, unknown>>): string {
  const names = Object.keys(object).filter((name) => object[name] !== undefined);
  if (names.length === 0) return 'has no fields';
  return `has fields ${names.slice(0, 8).join(', ')}${names.length > 8 ? `, … (${names.length} in all)` : ''}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  const kind = typeof value;
  return kind === 'object' ? 'an object' : `a${/^[aeiou]/.test(kind) ? 'n' : ''} ${kind}`;
}
