import { ApiCallError } from '../../errors/api-call-error.ts';
import { fetchJson } from '../fetch-json.ts';
import type { BearerTokens } from './iam-token.ts';
import { watsonxErrorMessage } from './watsonx-bodies.ts';

/** Where a watsonx engine posts and what its errors may not show. */
export interface WatsonxPostSettings {
  /** Regional API origin, without a trailing `/`. */
  readonly apiUrl: string;
  /** The `version` query parameter, a date. */
  readonly apiVersion: string;
  readonly timeoutMs: number;
  readonly tokens: BearerTokens;
  /** The API key and ready token, never shown in an error. */
  readonly secrets: readonly (string | undefined)[];
  /** Extra headers sent with every request (DGT's `default_headers`); their values are never shown in an error either. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * A poster of JSON bodies to watsonx.ai paths (`/ml/v1/text/embeddings`, ...) with the engine's bearer token, its
 * extra headers and the `version` query: a 401 refreshes the token once, then the second answer stands. Errors name
 * the path without the query, and never a key, a token or a header value.
 */
export function createWatsonxPost(settings: WatsonxPostSettings): (path: string, body: Record<string, unknown>, signal: AbortSignal) => Promise<unknown> {
  const { apiUrl, apiVersion, timeoutMs, tokens, secrets, headers } = settings;
  return async (path, body, signal) => {
    const what = `${apiUrl}${path}`;
    const url = `${what}?version=${encodeURIComponent(apiVersion)}`;
    const json = JSON.stringify(body);
    const attempt = (token: string) =>
      fetchJson({
        url,
        what,
        headers: { ...headers, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: json,
        signal,
        timeoutMs,
        errorMessageOf: watsonxErrorMessage,
        secrets: [...secrets, token, ...Object.values(headers ?? {})],
      });
    const token = await tokens.get(signal);
    try {
      return await attempt(token);
    } catch (error) {
      if (!(ApiCallError.isInstance(error) && error.statusCode === 401 && tokens.refresh(token))) throw error;
    }
    return attempt(await tokens.get(signal));
  };
}
