import type { z } from 'zod';
import type { BlockDefinition } from '../block-definition.ts';
import { javascriptValidator } from './javascript-validator.ts';
import { jsonValidator } from './json-validator.ts';
import { lengthValidator } from './length-validator.ts';
import { pythonValidator } from './python-validator.ts';
import { regexValidator } from './regex-validator.ts';
import { sqlValidator } from './sql-validator.ts';
import { typescriptValidator } from './typescript-validator.ts';
import { yamlValidator } from './yaml-validator.ts';

/**
 * The syntax checks: validators of one text input `input` (mapped with `input_map`) that reject text that does not
 * parse as JSON, YAML, SQL, Python, JavaScript or TypeScript (line and column in the reason), that breaks a JSON
 * Schema, misses a regular expression, or is too short or too long. Parsers load on first use.
 *
 * ## Example
 * ```ts
 * import { blockTypes } from 'rxdgt';
 * blockTypes(); // [..., 'validators/json', 'validators/yaml', 'validators/sql', ..., ...]
 * ```
 */
export const syntaxBlocks: readonly BlockDefinition<z.ZodRawShape>[] = [
  jsonValidator,
  yamlValidator,
  sqlValidator,
  pythonValidator,
  javascriptValidator,
  typescriptValidator,
  regexValidator,
  lengthValidator,
] as readonly BlockDefinition<z.ZodRawShape>[];
