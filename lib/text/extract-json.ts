/** What {@link extractJson} read: the value, or the `JSON.parse` message of the closest candidate. */
export type JsonExtraction = { readonly success: true; readonly data: unknown } | { readonly success: false; readonly error: string };

// The body of the first fence, with or without a language tag (```json, ```JSON, ```).
const fence = /```[\w-]*[ \t]*\r?\n?([\s\S]*?)```/;

/** From the first `open` to the last `close`, when both are there in that order. */
function span(text: string, open: string, close: string): { readonly start: number; readonly text: string } | undefined {
  const start = text.indexOf(open);
  const end = text.lastIndexOf(close);
  return start !== -1 && end > start ? { start, text: text.slice(start, end + 1) } : undefined;
}

/**
 * Reads the JSON value in a model's answer, leniently: the whole text; else the body of the first ``` fence; else
 * the outermost `{…}` or `[…]` (the one that starts first is tried first), so prose around the JSON is ignored.
 * Never throws. On failure the error is that of the last, narrowest candidate tried.
 */
export function extractJson(text: string): JsonExtraction {
  const fenced = fence.exec(text)?.[1];
  const spans = [span(text, '{', '}'), span(text, '[', ']')].filter((found) => found !== undefined).sort((left, right) => left.start - right.start);
  const candidates = [text, ...(fenced === undefined ? [] : [fenced]), ...spans.map((found) => found.text)].map((candidate) => candidate.trim());
  let error = 'empty answer';
  for (const candidate of new Set(candidates)) {
    try {
      return { success: true, data: JSON.parse(candidate) as unknown };
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
  }
  return { success: false, error };
}
