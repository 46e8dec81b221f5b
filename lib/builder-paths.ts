import { readFile, readdir } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuilderDefinition, builderNames, builtInBuilder, pipelineDefinition } from './builder-registry.ts';
import { builderSpecSchema } from './config/builder-spec.ts';
import { readYamlFile } from './config/yaml-file.ts';
import { zodIssueToConfigError } from './config/zod-issue.ts';
import { resolveInside } from './blocks/resolve-inside.ts';
import { errorMessage } from './error-message.ts';
import { ConfigError } from './errors/config-error.ts';

const yamlExtensions = new Set(['.yaml', '.yml']);
const codeExtensions = new Set(['.ts', '.mts', '.js', '.mjs']);

/** Every file below `folder`, skipping `node_modules` and hidden folders, in a stable order. */
async function filesBelow(folder: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    throw new ConfigError(`cannot read the builder folder \`${folder}\`: ${errorMessage(error)}`, { field: 'include_builder_paths' });
  }
  const files: string[] = [];
  for (const entry of entries.sort((left, right) => left.name.localeCompare(right.name))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await filesBelow(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/**
 * A YAML file of a builder folder. One that does not parse is skipped unless it says `pipeline:` (then it was meant as a
 * builder and the error is the user's): DGT's package folder holds YAML files of every kind.
 */
async function readBuilderYaml(file: string): Promise<unknown> {
  try {
    return await readYamlFile(file);
  } catch (error) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (ConfigError.isInstance(error) && !/^pipeline\s*:/m.test(text)) return undefined;
    throw error;
  }
}

/** Whether a module export is a builder definition: a name, a kind, a builder YAML and `create`. */
function isDefinition(value: unknown): value is BuilderDefinition {
  const candidate = value as Partial<BuilderDefinition> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    (candidate.kind === 'generation' || candidate.kind === 'transformation') &&
    typeof candidate.yamlPath === 'string' &&
    typeof candidate.create === 'function'
  );
}

/** Imports a code builder: plain Node for JavaScript (and TypeScript under tsx), tsx's loader otherwise. */
async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw new ConfigError(`cannot load the builder module: ${errorMessage(error)}`, { file, cause: error });
    }
  }
  let tsx: { tsImport: (specifier: string, parent: string) => Promise<Record<string, unknown>> };
  try {
    tsx = (await import('tsx/esm/api')) as typeof tsx;
  } catch {
    throw new ConfigError('a TypeScript builder needs tsx to load it: install it (`npm install --save-dev tsx`) or compile the builder to JavaScript', { file });
  }
  try {
    return await tsx.tsImport(url, import.meta.url);
  } catch (error) {
    throw new ConfigError(`cannot load the builder module: ${errorMessage(error)}`, { file, cause: error });
  }
}

/**
 * The builders a code module exports, with their YAML paths resolved beside the module (and kept inside its folder).
 * A definition already found (exported twice, as `default` and by name, or re-exported from another module) is
 * skipped: it is one builder, not a clash.
 */
async function codeBuilders(file: string, folder: string, found: Set<BuilderDefinition>): Promise<BuilderDefinition[]> {
  const exports = await importModule(file);
  const fresh: BuilderDefinition[] = [];
  for (const value of Object.values(exports)) {
    if (!isDefinition(value) || found.has(value)) continue;
    found.add(value);
    fresh.push(value);
  }
  return fresh.map((definition) => ({ ...definition, yamlPath: resolveInside(folder, resolve(join(file, '..'), definition.yamlPath), { file, field: 'yamlPath' }) }));
}

/**
 * Finds the builders under DGT's `--include-builder-paths` folders: every builder YAML with a `pipeline:` (a builder
 * without code), every builder definition a `.ts`/`.js` module exports (`{ name, kind, yamlPath, create }`, as the
 * built-in builders are defined), and DGT's own builder YAMLs (DGT's package folder, `fms_dgt` or its
 * `public/databuilders`): a YAML whose `name` is a built-in builder's runs rxdgt's code for it with that YAML's blocks
 * and the prompt templates beside it. Other YAML files (task files, YAMLs of builders rxdgt lacks) are skipped.
 *
 * ## Example
 * ```ts
 * const builders = await discoverBuilders(['my-builders']);
 * builders.map((builder) => builder.name); // ['my/qa_pipeline']
 * ```
 * @throws {ConfigError} naming the file for a malformed builder, and both places for a name defined twice
 */
export async function discoverBuilders(folders: readonly string[], cwd = process.cwd()): Promise<BuilderDefinition[]> {
  const found: { definition: BuilderDefinition; file: string; replacesBuiltIn?: boolean }[] = [];
  // A file under two of the folders (given twice, or one inside another) is read once.
  const visited = new Set<string>();
  const exported = new Set<BuilderDefinition>();
  for (const given of folders) {
    const folder = resolve(cwd, given);
    for (const file of await filesBelow(folder)) {
      if (visited.has(file)) continue;
      visited.add(file);
      const extension = extname(file);
      if (yamlExtensions.has(extension)) {
        const content = await readBuilderYaml(file);
        if (typeof content !== 'object' || content === null || Array.isArray(content)) continue;
        if ('pipeline' in content) {
          const parsed = builderSpecSchema.safeParse(content);
          if (!parsed.success) throw zodIssueToConfigError(parsed.error, file);
          found.push({ definition: pipelineDefinition(file, parsed.data), file });
          continue;
        }
        // DGT's own builder YAML (DGT's package folder given): rxdgt's code for that builder, with this YAML's blocks and
        // the prompt templates beside it.
        const { name, blocks } = content as { name?: unknown; blocks?: unknown };
        const builtIn = typeof name === 'string' && Array.isArray(blocks) ? builtInBuilder(name) : undefined;
        if (builtIn) found.push({ definition: { ...builtIn, yamlPath: file }, file, replacesBuiltIn: true });
      } else if (codeExtensions.has(extension) && !/\.(spec|test|d)\.[mc]?[jt]s$/.test(file)) {
        for (const definition of await codeBuilders(file, folder, exported)) found.push({ definition, file });
      }
    }
  }
  const builtIn = new Set(builderNames());
  const seen = new Map<string, string>();
  for (const { definition, file, replacesBuiltIn } of found) {
    if (builtIn.has(definition.name) && !replacesBuiltIn) throw new ConfigError(`builder \`${definition.name}\` is already a built-in builder`, { file, field: 'name' });
    const earlier = seen.get(definition.name);
    if (earlier !== undefined) throw new ConfigError(`builder \`${definition.name}\` is defined twice: here and in ${earlier}`, { file, field: 'name' });
    seen.set(definition.name, file);
  }
  return found.map(({ definition }) => definition);
}
