import type { DataPoint } from '../../lib/record.ts';

/** DGT's `SimpleData`: the record the simple builder reads from seeds and writes. */
export type SimpleRecord = DataPoint & {
  /** The task's name (DGT sets it to the task name). */
  readonly taxonomy_path: string;
  readonly task_description: string;
  readonly instruction: string;
  /** The instruction's input; `''` when it needs none. */
  readonly input: string;
  readonly output: string;
  /** Documents to ground new instructions in (one is drawn per prompt), or null. */
  readonly document: readonly string[] | null;
};

const textOf = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : String(value));

/**
 * Reads a seed or machine example as DGT's `SimpleTask` does: `question` (else `instruction`), `context` (else
 * `input`, else `''`), `answer` (else `output`) and `document` (a text or a list of texts).
 *
 * ## Example
 * ```ts
 * toSimpleExample({ task_name: 't', is_seed: true, question: 'Who came first?', answer: 'Joe.' }, 'Order of events.');
 * // { task_name: 't', is_seed: true, taxonomy_path: 't', task_description: 'Order of events.', instruction: 'Who came first?',
 * //   input: '', output: 'Joe.', document: null }
 * ```
 * @throws {Error} when the example has no question or instruction
 */
export function toSimpleExample(example: DataPoint, taskDescription: string): SimpleRecord {
  const instruction = textOf(example['question'] ?? example['instruction']);
  if (instruction === undefined) throw new Error(`an example of task \`${example.task_name}\` has neither \`question\` nor \`instruction\``);
  const document = example['document'];
  return {
    task_name: example.task_name,
    is_seed: example.is_seed,
    taxonomy_path: example.task_name,
    task_description: taskDescription,
    instruction,
    input: textOf(example['context'] ?? example['input']) ?? '',
    output: textOf(example['answer'] ?? example['output']) ?? '',
    document: Array.isArray(document) ? document.map(String) : typeof document === 'string' && document ? [document] : null,
  };
}
