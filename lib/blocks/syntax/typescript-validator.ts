import { z } from 'zod';
import type { BlockDefinition } from '../block-definition.ts';
import { treeSitterCheck } from './tree-sitter-internals.ts';

const fields = {
  /** Parse TSX (TypeScript with JSX elements) instead of plain TypeScript. @default false */
  tsx: z.boolean().default(false),
};

/**
 * `validators/typescript`: checks that the block's input `input` is TypeScript source that parses, with tree-sitter's
 * TypeScript grammar, or its TSX grammar with `tsx: true` (WebAssembly builds, loaded once per process on the first
 * check). Syntax only: types are not checked.
 *
 * A syntax error rejects with code `syntax_error` and a reason giving line, column (1-based, in characters) and what
 * went wrong: `missing ")"`, `missing type_identifier`, `unclosed "{"`, or `unexpected "<text>"`
 * (`typescript: syntax error at line 1, column 21: missing ")"`). A non-string input is `input_not_text`. The verdict's
 * `metadata` holds `line`, `column` and `message`. It writes no outputs.
 *
 * ## Example
 * ```yaml
 * - name: component_parses
 *   type: validators/typescript
 *   input_map: { component: input }
 *   tsx: true
 *   filter: true
 * ```
 */
export const typescriptValidator: BlockDefinition<typeof fields> = {
  type: 'validators/typescript',
  summary: 'checks that `input` is TypeScript (or TSX) source that parses (tree-sitter)',
  fields,
  inputs: { required: ['input'] },
  validator: true,
  create: (config) => ({ kind: 'validator', check: treeSitterCheck('typescript', config.tsx ? 'tsx' : 'typescript') }),
};
