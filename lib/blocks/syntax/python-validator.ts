import type { BlockDefinition } from '../block-definition.ts';
import { treeSitterCheck } from './tree-sitter-internals.ts';

const fields = {};

/**
 * `validators/python`: checks that the block's input `input` is Python 3 source that parses, with tree-sitter's Python
 * grammar (its WebAssembly build, loaded once per process on the first check). The grammar is more lenient than
 * CPython in places (indentation mismatches, Python 2 `print` statements pass).
 *
 * A syntax error rejects with code `syntax_error` and a reason giving line, column (1-based, in characters) and what
 * went wrong: `missing ")"`, `unclosed "["`, or `unexpected "<text>"` (`python: syntax error at line 2, column 11:
 * missing ")"`). A non-string input is `input_not_text`. The verdict's `metadata` holds `line`, `column` and
 * `message`. It writes no outputs.
 *
 * ## Example
 * ```yaml
 * - name: code_parses
 *   type: validators/python
 *   input_map: { solution: input }
 *   filter: true
 * ```
 */
export const pythonValidator: BlockDefinition<typeof fields> = {
  type: 'validators/python',
  summary: 'checks that `input` is Python source that parses (tree-sitter)',
  fields,
  inputs: { required: ['input'] },
  validator: true,
  create: () => ({ kind: 'validator', check: treeSitterCheck('python', 'python') }),
};
