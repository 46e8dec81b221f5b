import type { DataPoint, Fields } from '../record.ts';
import { type IndexedStep, get, isObject, recordProblem } from './formatter-internals.ts';

/** Whether a value counts as set in Python (`if value:`): not null, empty, zero or false. */
function isSet(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/**
 * The tools of the conversation's first `tc/sampler` step, each as DGT's `Tool.to_dict()` writes it: `name`,
 * `namespace` (`default` when unset), `description` (`''`), `parameters` (`{}`), then `output_parameters` and
 * `metadata` when set. With `brief`, only `name` and `parameters`.
 *
 * @throws {ConfigError} naming the formatter, the field and the record's `rxdgt_id`, for a conversation without a
 *   `tc/sampler` step, one without a `tools` list, or a tool that is not an object with a `name`
 */
export function toolsOf(formatter: string, record: DataPoint, steps: readonly IndexedStep[], brief: boolean): Fields[] {
  const sampler = steps.find(({ step }) => step['role'] === 'tc/sampler');
  if (sampler === undefined) throw recordProblem(formatter, record, 'has no step with role `tc/sampler` (the tools) in `steps`');
  const field = `steps.${sampler.index}.tools`;
  const tools = sampler.step['tools'];
  if (tools === undefined) throw recordProblem(formatter, record, `has no field \`${field}\``);
  if (!Array.isArray(tools)) throw recordProblem(formatter, record, `has a field \`${field}\` that is not a list`);
  return tools.map((tool: unknown, index) => {
    if (!isObject(tool)) throw recordProblem(formatter, record, `has a field \`${field}.${index}\` that is not an object`);
    if (tool['name'] === undefined) throw recordProblem(formatter, record, `has no field \`${field}.${index}.name\``);
    const parameters = get(tool, 'parameters', {});
    if (brief) return { name: tool['name'], parameters };
    const namespace = get(tool, 'namespace');
    const outputParameters = get(tool, 'output_parameters', {});
    const metadata = get(tool, 'metadata', {});
    return {
      name: tool['name'],
      namespace: isSet(namespace) ? namespace : 'default',
      description: get(tool, 'description', ''),
      parameters,
      ...(isSet(outputParameters) ? { output_parameters: outputParameters } : {}),
      ...(isSet(metadata) ? { metadata } : {}),
    };
  });
}
