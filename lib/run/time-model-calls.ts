import type { Engine } from '../model/engine.ts';
import type { LanguageModel } from '../model/language-model.ts';

/** The answer times of the models of some engines, while {@link timeModelCalls} watches them. */
export interface ModelCallTimes {
  /** Mean time, in ms, the models of `engines` took to answer a call that succeeded; undefined when none did. */
  meanLatencyMs(engines: readonly Engine[]): number | undefined;
  /** Stops timing: every model gets its own `doGenerate` back. */
  restore(): void;
}

/**
 * Times every `doGenerate` call of the engines' models that succeeds, until `restore()`: how long the model took to
 * answer, without the waits of the engine's limiter, admission and retries in front of it. Calls of a block that sends
 * completion prompts in batches (`batch_size` above 1) go through `doGenerateBatch` and are not timed.
 *
 * ## Example
 * ```ts
 * const times = timeModelCalls(run.engines.map(({ engine }) => engine));
 * // ... run the tasks ...
 * times.meanLatencyMs(run.enginesOf(task)); // 840
 * times.restore();
 * ```
 */
export function timeModelCalls(engines: readonly Engine[], now: () => number = () => performance.now()): ModelCallTimes {
  const totals = new Map<LanguageModel, { calls: number; ms: number }>();
  const restores: (() => void)[] = [];
  for (const model of new Set(engines.map((engine) => engine.model))) {
    const total = { calls: 0, ms: 0 };
    totals.set(model, total);
    const own = Object.prototype.hasOwnProperty.call(model, 'doGenerate');
    const original = model.doGenerate;
    model.doGenerate = async (request, options) => {
      const started = now();
      const result = await original.call(model, request, options);
      total.calls += 1;
      total.ms += now() - started;
      return result;
    };
    restores.push(() => {
      if (own) model.doGenerate = original;
      else delete (model as { doGenerate?: unknown }).doGenerate;
    });
  }
  return {
    meanLatencyMs(of) {
      const timed = [...new Set(of.map((engine) => engine.model))].map((model) => totals.get(model) ?? { calls: 0, ms: 0 });
      const calls = timed.reduce((sum, total) => sum + total.calls, 0);
      return calls === 0 ? undefined : timed.reduce((sum, total) => sum + total.ms, 0) / calls;
    },
    restore: () => restores.splice(0).forEach((restore) => restore()),
  };
}
