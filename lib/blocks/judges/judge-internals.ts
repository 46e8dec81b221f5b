/**
 * What the LM-based blocks of this folder share: the `lm_config` field, the engine it builds, one model call that
 * spends its usage on the record, the request of a prompt, and a short quote of an answer for rejection reasons.
 */
import { type Observable, map } from 'rxjs';
import { z } from 'zod';
import type { Engine } from '../../model/engine.ts';
import type { ChatMessage, GenerationParams, ModelRequest } from '../../model/language-model.ts';
import { engineSchema } from '../../schemas.ts';
import type { BlockCall, BlockContext } from '../block-definition.ts';

/** DGT's `lm_config`: an LM block config (`type`, `model_id_or_path`, `base_url`, ...; the engine checks the rest), or in code an `Engine`. */
export const lmConfigSchema = z.union([engineSchema, z.looseObject({})]);

/** DGT's `method`: `chat` (`chat_completion`, DGT's spelling) or `completion`. */
export const methodSchema = z
  .enum(['chat', 'chat_completion', 'completion'])
  .default('chat')
  .transform((method) => (method === 'completion' ? 'completion' : 'chat'));

/** The engine of a block's `lm_config`, built once at create. */
export function engineOf(config: { readonly lm_config: unknown }, context: BlockContext): Engine {
  return context.engine(config.lm_config, 'lm_config');
}

/** `over` on top of `base`; their `providerOptions` are merged, key by key, and left out when neither has any. */
export function mergeParams(base: GenerationParams, over: GenerationParams): GenerationParams {
  const providerOptions = base.providerOptions || over.providerOptions ? { ...base.providerOptions, ...over.providerOptions } : undefined;
  return { ...base, ...over, ...(providerOptions ? { providerOptions } : {}) };
}

/** The request of a prompt: a string is one user message in chat mode; messages are joined in completion mode. */
export function requestOf(prompt: string | readonly ChatMessage[], method: 'chat' | 'completion', params: GenerationParams): ModelRequest {
  if (method === 'completion') return { method, prompt: typeof prompt === 'string' ? prompt : prompt.map((message) => message.content).join('\n\n'), ...params };
  return { method, messages: typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt, ...params };
}

/**
 * One model call for one record: its usage is spent on the record, and the answer is the first text. A failure
 * (after the engine's retries) errors with the engine's `ApiCallError` or `RetryError`, which the block operator
 * files as `lm_call_failed` (and which ends the run for an authentication failure, as `generate` does).
 */
export function ask(engine: Engine, request: ModelRequest, call: BlockCall): Observable<string> {
  return engine.call(request).pipe(
    map((result) => {
      call.spend(engine.usageOf(result));
      return result.texts[0] ?? '';
    }),
  );
}

/** An answer for a rejection reason: JSON-quoted, on one line, cut to `limit` characters. */
export function quote(text: string, limit = 120): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(line.length > limit ? `${line.slice(0, limit - 1)}…` : line);
}
