import type { BlockDefinition } from '../block-definition.ts';
import { treeSitterCheck } from './tree-sitter-internals.ts';

const fields = {};

/**
 * `validators/javascript`: checks that the block's input `input` is JavaScript source (JSX included) that parses, with
 * tree-sitter's JavaScript grammar (its WebAssembly build, loaded once per process on the first check).
 *
 * A syntax error rejects with code `syntax_error` and a reason giving line, column (1-based, in characters) and what
 * went wrong: `missing "}"`, `unclosed "("`, or `unexpected "<text>"` (`javascript: syntax error at line 1, column 9:
 * unexpected "="`). A non-string input is `input_not_text`. The verdict's `metadata` holds `line`, `column` and
 * `message`. It writes no outputs.
 *
 * ## Example
 * ```yaml
 * - name: snippet_parses
 *   type: validators/javascript
 *   input_map: { code: input }
 *   filter: true
 * ```
 */
export const javascriptValidator: BlockDefinition<typeof fields> = {
  type: 'validators/javascript',
  summary: 'checks that `input` is JavaScript source that parses (tree-sitter)',
  fields,
  inputs: { required: ['input'] },
  validator: true,
  create: () => ({ kind: 'validator', check: treeSitterCheck('javascript', 'javascript') }),
};
