import type { BuilderTask } from '../../lib/builder-registry.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';

const liveOnly = 'live retrieval (DGT\'s pattern 2, where the assistant calls a retrieval tool every turn) is not available in rxdgt; use `lm/scenario/rag` with `document_samplers` and `lm/assistant/rag/static` (documents fixed when the conversation starts)';

/** DGT's RAG stages rxdgt leaves out, with why. */
const leftOutStages: Readonly<Record<string, string>> = {
  'lm/assistant/rag': liveOnly,
  'lm/scenario/rag/live': liveOnly,
};

/**
 * Refuses a RAG task that names one of DGT's live-retrieval stages (`lm/assistant/rag`, `lm/scenario/rag/live`),
 * before anything is built, with one line saying what to use instead.
 *
 * ## Example
 * ```ts
 * refuseLiveRetrieval(task); // ConfigError: task.yaml: field `iteration_stages.2.name`: stage `lm/assistant/rag` ...
 * ```
 * @throws {ConfigError} naming the task file and `<list>.<index>.name`
 */
export function refuseLiveRetrieval(task: BuilderTask): void {
  const prefix = task.fieldPrefix ? `${task.fieldPrefix}.` : '';
  for (const list of ['initialization_stages', 'iteration_stages'] as const) {
    const entries = task.spec[list];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry: unknown, index) => {
      const name = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)['name'] : undefined;
      const why = typeof name === 'string' ? leftOutStages[name] : undefined;
      if (why !== undefined) throw new ConfigError(`stage \`${String(name)}\`: ${why}`, { file: task.file, field: `${prefix}${list}.${index}.name` });
    });
  }
}
