import { type FieldPath, type GetFieldOptions, getField, missing, parseFieldPath, setField } from '../text/field-path.ts';
import type { DataPoint } from '../record.ts';
import { BlockError } from './block-error.ts';
import type { BlockDefinition, BlockFields } from './block-definition.ts';

/** How blocks read fields: a missing one is `missing`, not an error (one options object for every read). */
const lenient: GetFieldOptions = { strict: false };

/** DGT's `input_map` / `output_map`: a map, or a list of fields mapped to themselves. */
export type FieldMap = Readonly<Record<string, string>> | readonly string[];

/** A map's entries, a list read as `{ field: field }`. */
function entriesOf(map: FieldMap | undefined): [string, string][] {
  if (map === undefined) return [];
  return Array.isArray(map) ? map.map((field: string) => [field, field]) : Object.entries(map);
}

/** Reads one record's block inputs. */
export type InputReader = (record: DataPoint) => BlockFields;

/** Writes one block's outputs onto a record. */
export type OutputWriter = (record: DataPoint, outputs: BlockFields) => DataPoint;

/**
 * How a block reads its inputs (DGT's `transform_input`): `input_map` maps record paths to block inputs. A block
 * with named inputs reads each from its mapped path (by default the field of the same name); an absent optional one is
 * left out, an absent required one fails the record (`input_missing`, which names the map). A block without named
 * inputs reads the whole record, with the map's renames.
 * @throws {TypeError} at the call when a path of the map is malformed, or the map names an input the block does not take
 */
export function inputReader(inputs: BlockDefinition['inputs'], inputMap: FieldMap | undefined, block: string): InputReader {
  const pathOf = new Map<string, FieldPath>();
  const known = inputs ? [...inputs.required, ...(inputs.optional ?? [])] : undefined;
  for (const [recordPath, input] of entriesOf(inputMap)) {
    // DGT ignores such an entry; here it is a typo caught before the run rather than an input silently never read.
    if (known && !known.includes(input)) {
      throw new TypeError(`\`${recordPath}: ${input}\` maps to \`${input}\`, which block \`${block}\` does not take (its inputs: ${known.join(', ') || 'none'})`);
    }
    pathOf.set(input, parseFieldPath(recordPath));
  }
  if (!inputs) {
    const renames = [...pathOf.entries()];
    return (record) => {
      if (renames.length === 0) return record;
      const read: Record<string, unknown> = { ...record };
      for (const [input, path] of renames) {
        const value = getField(record, path, lenient);
        if (value !== missing) read[input] = value;
      }
      return read;
    };
  }
  const fields = [...inputs.required.map((name) => ({ name, required: true })), ...(inputs.optional ?? []).map((name) => ({ name, required: false }))];
  const plan = fields.map(({ name, required }) => ({ name, required, path: pathOf.get(name) ?? parseFieldPath(name) }));
  return (record) => {
    const read: Record<string, unknown> = {};
    for (const { name, required, path } of plan) {
      let value: unknown;
      try {
        value = getField(record, path, lenient);
      } catch (error) {
        throw new BlockError('input_missing', `block \`${block}\` cannot read its input \`${name}\` from \`${path.text}\`: ${(error as Error).message}`);
      }
      if (value !== missing) read[name] = value;
      else if (required) {
        const mapped = pathOf.has(name) ? `\`${path.text}\` (its input_map)` : `\`${name}\` (map one with \`input_map: { <record field>: ${name} }\`)`;
        const fieldsOfRecord = Object.keys(record).filter((key) => key !== 'task_name' && key !== 'is_seed');
        throw new BlockError(
          'input_missing',
          `block \`${block}\` needs input \`${name}\`, read from ${mapped}, and the record has no such field (its fields: ${fieldsOfRecord.join(', ') || 'none'})`,
        );
      }
    }
    return read;
  };
}

/**
 * How a block writes its outputs (DGT's `transform_output`): `output_map` maps block outputs (DGT paths into the
 * outputs) to record paths (`answers[+]` appends); outputs the map does not name are written under their own name.
 */
export function outputWriter(outputMap: FieldMap | undefined, block: string): OutputWriter {
  const mapped = entriesOf(outputMap).map(([output, recordPath]) => ({ output, from: parseFieldPath(output), to: parseFieldPath(recordPath) }));
  const roots = new Set(mapped.map(({ from }) => (from.steps[0] as { name: string }).name));
  return (record, outputs) => {
    let result = record;
    try {
      for (const [name, value] of Object.entries(outputs)) if (!roots.has(name) && value !== undefined) result = setField(result, name, value);
      for (const { from, to } of mapped) {
        const value = getField(outputs, from, lenient);
        if (value !== missing) result = setField(result, to, value);
      }
    } catch (error) {
      throw new BlockError('output_map_failed', `block \`${block}\` cannot write its outputs: ${(error as Error).message}`);
    }
    return result;
  };
}
