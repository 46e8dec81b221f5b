import { z } from 'zod';
import { ConfigError } from '../../errors/config-error.ts';
import { type FieldPath, getField, parseFieldPath, setField } from '../../text/field-path.ts';
import type { BlockDefinition, BlockFields } from '../block-definition.ts';

const fields = {
  /** Source path → target path: each target gets a copy of the source's value. */
  field_map: z.record(z.string(), z.string()),
};

/**
 * DGT's `field_map`: copies fields within a record. Each `source: target` entry of `field_map` writes the value at
 * `source` to `target` (the source stays); every source is read from the record as it came in, so
 * `{ a: b, b: c }` copies the old `b` to `c`. Paths use DGT's syntax (`meta.lang`, `turns[-1].text`,
 * `answers[+]`). A record without a source field is rejected. It writes the top-level fields its targets are in.
 *
 * ## Example
 * ```yaml
 * - name: rename
 *   type: field_map
 *   field_map: { answer: response, question: messages[+] }
 * ```
 * `{ question: 'q', answer: 'a', messages: [] }` becomes `{ ..., response: 'a', messages: ['q'] }`.
 */
export const fieldMapBlock: BlockDefinition<typeof fields> = {
  type: 'field_map',
  summary: 'copies fields to other names or paths within a record',
  fields,
  create: (config, context) => {
    const pathOf = (text: string, key: string, use: 'read' | 'written'): FieldPath => {
      const where = { file: context.file, field: `${context.field}.field_map.${key}` };
      try {
        const path = parseFieldPath(text);
        const last = path.steps.at(-1)?.kind;
        if (use === 'read' && path.steps.some((step) => step.kind === 'append')) throw new TypeError(`\`${text}\` appends (\`[+]\`), so it cannot be read`);
        if (use === 'written' && last === 'slice') throw new TypeError(`\`${text}\` is a slice, so it cannot be written`);
        return path;
      } catch (error) {
        throw new ConfigError(`${error instanceof Error ? error.message : String(error)}`, { ...where, cause: error });
      }
    };
    const copies = Object.entries(config.field_map).map(([source, target]) => ({
      source: pathOf(source, source, 'read'),
      target: pathOf(target, source, 'written'),
    }));
    return {
      kind: 'transform',
      run: (input) => {
        let record: BlockFields = input;
        const touched = new Set<string>();
        for (const { source, target } of copies) {
          record = setField(record, target, getField(input, source));
          touched.add((target.steps[0] as { readonly name: string }).name);
        }
        return Object.fromEntries([...touched].map((name) => [name, record[name]]));
      },
    };
  },
};
