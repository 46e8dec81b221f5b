import { readFile } from 'node:fs/promises';
import { parseDocument, type Tags } from 'yaml';
import { ConfigError } from '../errors/config-error.ts';

/** How far a document's aliases may expand (the yaml package's `maxAliasCount` measure): a guard against alias bombs. */
const maxAliasCount = 10_000;

const timestampTag = 'tag:yaml.org,2002:timestamp';
const boolTag = 'tag:yaml.org,2002:bool';

// YAML 1.1 reads a bare `y` or `n` as a boolean; PyYAML (and so DGT) keeps them strings.
const pyYamlTrue = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const pyYamlFalse = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

function asPyYamlBool(tag: Tags[number]): Tags[number] {
  if (typeof tag === 'string' || tag.tag !== boolTag || !('test' in tag) || tag.test === undefined) return tag;
  return { ...tag, test: tag.test.test('true') ? pyYamlTrue : pyYamlFalse };
}

/**
 * Reads and parses one YAML file the way DGT's PyYAML does (YAML 1.1: `yes`/`no` booleans, `<<` merge keys), except
 * that dates stay strings.
 *
 * @throws {ConfigError} when the file is missing, or its YAML is malformed (the message gives line and column) or
 * expands too many aliases (an alias bomb)
 */
export async function readYamlFile(path: string): Promise<unknown> {
  return parseYamlText(await readTextFile(path), path);
}

/** Parses YAML text read from `file`; errors name the file and the line and column. */
export function parseYamlText(text: string, file: string): unknown {
  const document = parseDocument(text, {
    version: '1.1',
    prettyErrors: true,
    customTags: (tags: Tags) => tags.filter((tag) => typeof tag === 'string' || tag.tag !== timestampTag).map(asPyYamlBool),
  });
  const problem = document.errors[0] ?? document.warnings.find((warning) => warning.code === 'TAG_RESOLVE_FAILED');
  if (problem !== undefined) {
    const position = problem.linePos?.[0];
    const where = position ? `line ${position.line}, column ${position.col}` : `offset ${problem.pos[0]}`;
    const hint = problem.code === 'TAG_RESOLVE_FAILED' ? ' (DGT `!function` tags import Python code and are not supported)' : '';
    throw new ConfigError(`invalid YAML at ${where}: ${firstLine(problem.message)}${hint}`, { file, cause: problem });
  }
  try {
    return document.toJS({ maxAliasCount });
  } catch (error) {
    // The yaml package refuses to expand an alias bomb ("billion laughs") with a bare ReferenceError.
    if (error instanceof ReferenceError && /alias count/i.test(error.message)) {
      throw new ConfigError(
        `the YAML uses too many aliases, likely an alias bomb ("billion laughs"): its \`*alias\` references expand past the limit of ${maxAliasCount}; ` +
          'write the repeated data out, or reference it less',
        { file, cause: error },
      );
    }
    if (error instanceof ReferenceError) throw new ConfigError(`invalid YAML: ${firstLine(error.message)}`, { file, cause: error });
    throw error;
  }
}

/** Reads a UTF-8 text file; a missing file is a ConfigError "file not found". */
export async function readTextFile(path: string, options: { field?: string | undefined } = {}): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, expected a file' : `cannot read file (${code ?? 'unknown error'})`;
    throw new ConfigError(message, { file: path, field: options.field, cause: error });
  }
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
