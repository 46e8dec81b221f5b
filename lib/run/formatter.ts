/**
 * DGT's formatters, which make `formatted_data` from a task's final records: `createFormatter(config)` gives the
 * formatter a task's `formatter` names, from the registry in `lib/formatters/registry.ts` (one file per formatter).
 *
 * ## Example
 * ```ts
 * const format = createFormatter({ type: 'formatters/native', format: { input: 'Q: {{question}}', output: '{{answer}}' } });
 * format({ task_name: 't', is_seed: false, question: 'Why?', answer: 'Because.' }); // { input: 'Q: Why?', output: 'Because.' }
 * ```
 */
export { createFormatter } from '../formatters/registry.ts';
