import { type Observable, map } from 'rxjs';
import type { Engine } from '../model/engine.ts';
import type { ModelRequest } from '../model/language-model.ts';
import type { StageContext } from './stage.ts';

/**
 * One LM call of a stage: the block's own parameters under the request's, the usage counted on the conversation, the
 * first answer's text trimmed. Cold and cancellable (unsubscribing aborts the HTTP request); a failed call errors,
 * which the conversation runner turns into a drop (`lm_call_failed`), or a stopped run for a 401/403.
 *
 * ## Example
 * ```ts
 * askModel(engine, { method: 'chat', messages: [{ role: 'user', content: 'Say hi.' }], maxTokens: 16 }, context)
 *   .subscribe((text) => console.log(text)); // 'Hi!'
 * ```
 */
export function askModel(engine: Engine, request: ModelRequest, context: Pick<StageContext, 'spend'>): Observable<string> {
  return engine.call({ ...engine.params, ...request } as ModelRequest).pipe(
    map((result) => {
      context.spend(engine.usageOf(result));
      return (result.texts[0] ?? '').trim();
    }),
  );
}
