/**
 * The service's own words in an error body: OpenAI's and Azure's `{ error: { code, message } }`, Anthropic's
 * `{ error: { type, message } }`, or a bare `{ message }`, with the error's kind in front when it has one
 * (`rate_limit_exceeded: Rate limit reached`); undefined when the body says nothing readable.
 *
 * ## Example
 * ```ts
 * serviceMessageOf({ error: { code: 'model_not_found', message: 'no such model' } }); // 'model_not_found: no such model'
 * ```
 */
export function serviceMessageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const outer = body as Record<string, unknown>;
  const detail = (typeof outer['error'] === 'object' && outer['error'] !== null ? outer['error'] : outer) as Record<string, unknown>;
  const message = typeof detail['message'] === 'string' ? detail['message'] : typeof outer['error'] === 'string' ? outer['error'] : undefined;
  if (message === undefined) return undefined;
  const kind = [detail['code'], detail['type']].find((value) => typeof value === 'string' && value !== '' && !/^\d+$/.test(value));
  return kind === undefined ? message : `${String(kind)}: ${message}`;
}
