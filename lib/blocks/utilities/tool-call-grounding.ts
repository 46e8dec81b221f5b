/**
 * The text tests of DGT's tool-call validator: whether an argument value is grounded in the question, and
 * whether it refers to another call's output (`<call id>.<output parameter>`).
 */

/** A tool of the catalogue, or a tool call: a plain object. */
export type JsonObject = Readonly<Record<string, unknown>>;

export const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A value as Python's `str()` writes a scalar (`None`, `True`); other values as JSON. */
export function pythonText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** Lowercase letters, digits and spaces of a value's text; the lowercase text itself when none are left. */
export function normalizeText(value: unknown): string {
  const text = pythonText(value);
  const kept = [...text].filter((char) => char === ' ' || /[\p{L}\p{N}]/u.test(char)).join('').toLowerCase();
  return kept === '' ? text.toLowerCase() : kept;
}

const numberWords = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/**
 * Whether an argument value is grounded in the question, as DGT decides: lists and objects when every item
 * (value) is; a scalar when its text is in the question, or its normalized text in the normalized question,
 * or (a whole number from 0 to 10) its English word is. An empty string never is.
 *
 * ## Example
 * ```ts
 * isGrounded('New York', 'weather in new york?'); // true
 * isGrounded(3, 'book three seats');              // true
 * isGrounded('Paris', 'weather in London');       // false
 * ```
 */
export function isGrounded(value: unknown, question: string): boolean {
  if (value === '') return false;
  const normalizedQuestion = normalizeText(question);
  const matches = (item: unknown): boolean => {
    if (Array.isArray(item)) return item.every(matches);
    if (isObject(item)) return Object.values(item).every(matches);
    if (question.includes(pythonText(item))) return true;
    if (typeof item === 'string' && item.trim() !== '') return normalizedQuestion.includes(normalizeText(item));
    // Python counts `True` and `False` as 1 and 0 here.
    const whole = typeof item === 'boolean' ? Number(item) : item;
    if (typeof whole === 'number' && Number.isInteger(whole) && whole >= 0 && whole <= 10 && normalizedQuestion.includes(numberWords[whole]!)) return true;
    return normalizedQuestion.includes(normalizeText(item));
  };
  return matches(value);
}

/** Whether some string in `value` (object keys included) satisfies `test`. */
function someString(value: unknown, test: (text: string) => boolean): boolean {
  if (typeof value === 'string') return test(value);
  if (Array.isArray(value)) return value.some((item) => someString(item, test));
  if (isObject(value)) return Object.entries(value).some(([key, item]) => test(key) || someString(item, test));
  return false;
}

/** The output parameter names of the catalogue tool a call names. */
function outputsOf(call: JsonObject, tools: readonly JsonObject[]): string[] {
  const tool = tools.find((candidate) => pythonText(candidate.name) === pythonText(call.name));
  const properties = isObject(tool?.output_parameters) ? tool.output_parameters.properties : undefined;
  return isObject(properties) ? Object.keys(properties) : [];
}

/**
 * Whether `value` refers to an output of one of `calls` (those with an `id`): a string without spaces that starts
 * with `<id>.<output parameter>`.
 */
export function refersTo(value: unknown, calls: readonly JsonObject[], tools: readonly JsonObject[]): boolean {
  return calls.some((call) => {
    if (!Object.hasOwn(call, 'id')) return false;
    const id = pythonText(call.id);
    return outputsOf(call, tools).some((output) => someString(value, (text) => !text.includes(' ') && text.startsWith(`${id}.${output}`)));
  });
}

/**
 * Whether `value` mentions a call's output without being a reference to it: a string holding `<id>.` or
 * `.<output parameter>` of some call with an `id`, that is not a space-free string starting `<id>.<output>`.
 */
export function mentionsIndirectly(value: unknown, calls: readonly JsonObject[], tools: readonly JsonObject[]): boolean {
  return someString(value, (text) =>
    calls.some((call) => {
      if (!Object.hasOwn(call, 'id')) return false;
      const id = pythonText(call.id);
      const outputs = outputsOf(call, tools);
      const mentions = text.includes(`${id}.`) || outputs.some((output) => text.includes(`.${output}`));
      return mentions && !outputs.some((output) => text.startsWith(`${id}.${output}`) && !text.includes(' '));
    }),
  );
}
