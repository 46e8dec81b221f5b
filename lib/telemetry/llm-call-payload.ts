import { redactSecrets } from '../redact-secrets.ts';
import { redactUrl } from '../redact-url.ts';
import type { ModelCallEvent } from './run-event.ts';

/**
 * DGT's payload fields of an LM call span (`DGT_TELEMETRY_RECORD_PAYLOADS`): `prompt` (a completion) or `messages` (a
 * chat), and `completion` (the answer's text, or the texts of several answers); each text has its credentials hidden
 * (`redactUrl`, and `redactSecrets` over the messages), then is cut to `maxChars`, with `payload_truncated: true`
 * when any was cut.
 *
 * ## Example
 * ```ts
 * llmCallPayload(call, 8); // { prompt: 'Write a ', completion: 'Question', payload_truncated: true }
 * ```
 */
export function llmCallPayload({ request, texts }: ModelCallEvent, maxChars: number): Record<string, unknown> {
  let truncated = false;
  const cut = (text: string): string => {
    if (text.length <= maxChars) return text;
    truncated = true;
    return text.slice(0, maxChars);
  };
  // Credentials are hidden before the text is cut, so a cut cannot leave half a URL the redaction no longer sees.
  const asked =
    request.method === 'completion'
      ? { prompt: cut(redactUrl(request.prompt)) }
      : { messages: (redactSecrets(request.messages) as { content: string }[]).map((message) => ({ ...message, content: cut(message.content) })) };
  const answers = texts.map((text) => cut(redactUrl(text)));
  const completion = answers.length === 1 ? answers[0] : answers;
  return { ...asked, completion, ...(truncated ? { payload_truncated: true } : {}) };
}
