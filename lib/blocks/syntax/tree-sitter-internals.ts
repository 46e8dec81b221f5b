/**
 * The tree-sitter parsers of `validators/python`, `validators/javascript` and `validators/typescript`: the WebAssembly
 * runtime and each grammar are loaded once per process, on first use, and shared by every block.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Node, Parser, Tree } from 'web-tree-sitter';
import type { BlockFields, Verdict } from '../block-definition.ts';
import { notText, quote, syntaxError } from './syntax-internals.ts';

/** A grammar, by the language it parses. */
export type Grammar = 'python' | 'javascript' | 'typescript' | 'tsx';

const require = createRequire(import.meta.url);

/** The npm package shipping each grammar's WebAssembly build, and the file's name in it. */
const grammarFiles: Readonly<Record<Grammar, { readonly pkg: string; readonly file: string }>> = {
  python: { pkg: 'tree-sitter-python', file: 'tree-sitter-python.wasm' },
  javascript: { pkg: 'tree-sitter-javascript', file: 'tree-sitter-javascript.wasm' },
  typescript: { pkg: 'tree-sitter-typescript', file: 'tree-sitter-typescript.wasm' },
  tsx: { pkg: 'tree-sitter-typescript', file: 'tree-sitter-tsx.wasm' },
};

/** A memoised load: shared while pending or done, forgotten when it fails so the next use tries again. */
function remember<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let loading = cache.get(key);
  if (loading === undefined) {
    loading = load();
    cache.set(key, loading);
    loading.catch(() => cache.delete(key));
  }
  return loading;
}

const runtimes = new Map<string, Promise<typeof import('web-tree-sitter')>>();
const parsers = new Map<string, Promise<Parser>>();

const loadRuntime = (): Promise<typeof import('web-tree-sitter')> =>
  remember(runtimes, 'web-tree-sitter', async () => {
    const treeSitter = await import('web-tree-sitter');
    await treeSitter.Parser.init();
    return treeSitter;
  });

/** The one parser of a grammar in this process (parsing is synchronous, so concurrent checks can share it). */
export function parserFor(grammar: Grammar): Promise<Parser> {
  return remember(parsers, grammar, async () => {
    const { Language, Parser } = await loadRuntime();
    const { pkg, file } = grammarFiles[grammar];
    const language = await Language.load(join(dirname(require.resolve(`${pkg}/package.json`)), file));
    return new Parser().setLanguage(language);
  });
}

const closerOf: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };

/** An opening bracket among an error node's own tokens that nothing after it closes: the likely cause. */
function unclosedBracket(node: Node, source: string): Node | undefined {
  const open: Node[] = [];
  for (const child of node.children) {
    if (child.isNamed) continue;
    if (closerOf[child.type] !== undefined) open.push(child);
    else if (open.length > 0 && closerOf[open.at(-1)!.type] === child.type) open.pop();
  }
  return open.find((opener) => !source.includes(closerOf[opener.type]!, node.endIndex));
}

/** Where a syntax problem is (a UTF-16 index of the source) and what it is. */
interface Problem {
  readonly index: number;
  readonly message: string;
}

/** An ERROR node's text, from its first visible character: what the parser could not place. */
function unexpected(node: Node, source: string): Problem {
  const text = node.text;
  const index = node.startIndex + (text.length - text.trimStart().length);
  if (text.trim() !== '') return { index, message: `unexpected ${quote(text.trim())}` };
  const rest = source.slice(node.startIndex).trim();
  return { index, message: rest === '' ? 'unexpected end of input' : `unexpected ${quote(rest)}` };
}

/**
 * The first syntax problem under a node, in text order, descending only into subtrees that hold one: a MISSING node
 * (`missing ")"`); in an ERROR node, a bracket it opens and nothing closes (`unclosed "("`), else the first problem
 * nested in it, else its own text (`unexpected "= ="`).
 */
function problemUnder(node: Node, source: string): Problem | undefined {
  if (node.isMissing) return { index: node.startIndex, message: `missing ${node.isNamed ? node.type : JSON.stringify(node.type)}` };
  if (!node.hasError) return undefined;
  if (node.isError) {
    const opener = unclosedBracket(node, source);
    if (opener !== undefined) return { index: opener.startIndex, message: `unclosed ${JSON.stringify(opener.type)}` };
  }
  for (const child of node.children) {
    const problem = problemUnder(child, source);
    if (problem !== undefined) return problem;
  }
  return node.isError ? unexpected(node, source) : undefined;
}

/** The first syntax problem of a tree, or undefined when it parsed cleanly. */
export function firstProblem(tree: Tree, source: string): Problem | undefined {
  return problemUnder(tree.rootNode, source);
}

/** A validator's `check` that parses `input` with a grammar and rejects on the first syntax error. */
export function treeSitterCheck(language: string, grammar: Grammar): (input: BlockFields) => Promise<Verdict> {
  return async (input) => {
    const text = input['input'];
    if (typeof text !== 'string') return notText(text);
    const parser = await parserFor(grammar);
    const tree = parser.parse(text);
    if (tree === null) throw new Error(`the ${language} parser gave no syntax tree`);
    try {
      const problem = firstProblem(tree, text);
      return problem === undefined ? { valid: true } : syntaxError(language, text, problem.index, problem.message);
    } finally {
      tree.delete();
    }
  };
}
