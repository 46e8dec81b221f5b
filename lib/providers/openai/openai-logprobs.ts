/**
 * Token log probabilities in OpenAI's two shapes, as {@link TokenLogprob}s: chat's `logprobs.content` (also watsonx
 * chat's) and the legacy completion's parallel arrays `tokens`, `token_logprobs`, `top_logprobs`.
 */
import type { TokenLogprob } from '../../model/language-model.ts';

type Alternative = { readonly token: string; readonly logprob: number };

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** `[{ token, logprob }]` entries that have both, as chat and Ollama list alternatives. */
export function alternativesOf(list: unknown): Alternative[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.flatMap((entry: { token?: unknown; logprob?: unknown } | null) =>
    typeof entry?.token === 'string' && isNumber(entry.logprob) ? [{ token: entry.token, logprob: entry.logprob }] : [],
  );
}

/**
 * A chat choice's `logprobs` (`{ content: [{ token, logprob, top_logprobs }] }`), or an Ollama answer's list of the
 * same entries; undefined when there are none.
 *
 * ## Example
 * ```ts
 * chatLogprobsOf({ content: [{ token: 'Hi', logprob: -0.1, top_logprobs: [{ token: 'Hi', logprob: -0.1 }] }] });
 * // [{ token: 'Hi', logprob: -0.1, top: [{ token: 'Hi', logprob: -0.1 }] }]
 * ```
 */
export function chatLogprobsOf(logprobs: unknown): TokenLogprob[] | undefined {
  const content = Array.isArray(logprobs) ? logprobs : (logprobs as { content?: unknown } | null | undefined)?.content;
  if (!Array.isArray(content)) return undefined;
  return content.flatMap((entry: { token?: unknown; logprob?: unknown; top_logprobs?: unknown } | null) => {
    if (typeof entry?.token !== 'string' || !isNumber(entry.logprob)) return [];
    const top = alternativesOf(entry.top_logprobs);
    return [{ token: entry.token, logprob: entry.logprob, ...(top && top.length > 0 ? { top } : {}) }];
  });
}

/** A legacy completion choice's `logprobs`; undefined when there are none. */
export function completionLogprobsOf(logprobs: unknown): TokenLogprob[] | undefined {
  const { tokens, token_logprobs: values, top_logprobs: tops } = (logprobs ?? {}) as { tokens?: unknown; token_logprobs?: unknown; top_logprobs?: unknown };
  if (!Array.isArray(tokens) || !Array.isArray(values)) return undefined;
  return tokens.flatMap((token: unknown, index) => {
    const logprob: unknown = values[index];
    if (typeof token !== 'string' || !isNumber(logprob)) return [];
    const alternatives: unknown = Array.isArray(tops) ? tops[index] : undefined;
    const top =
      typeof alternatives === 'object' && alternatives !== null
        ? Object.entries(alternatives).flatMap(([text, value]) => (isNumber(value) ? [{ token: text, logprob: value }] : []))
        : [];
    return [{ token, logprob, ...(top.length > 0 ? { top } : {}) }];
  });
}

/** `{ logprobs }` for a result when any answer has them, else nothing (results keep their old shape). */
export function logprobsField(perAnswer: readonly (TokenLogprob[] | undefined)[]): { logprobs?: readonly (readonly TokenLogprob[])[] } {
  return perAnswer.some((entries) => entries !== undefined) ? { logprobs: perAnswer.map((entries) => entries ?? []) } : {};
}
