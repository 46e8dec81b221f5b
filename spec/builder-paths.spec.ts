import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { discoverBuilders } from '../lib/builder-paths.ts';
import { tempDir } from './helpers/temp-dir.ts';

function write(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const pipelineYaml = (name: string, kind = 'transformation') =>
  stringify({ name, kind, blocks: [{ name: 'check', type: 'validators/json', input_map: { text: 'input' } }], pipeline: ['check'] });

/** A JavaScript module exporting one builder definition, by name and as `default`. */
const moduleText = (name: string, yamlPath = './builder.yaml') =>
  [
    `const definition = { name: ${JSON.stringify(name)}, kind: 'transformation', yamlPath: ${JSON.stringify(yamlPath)}, create: () => (source) => source };`,
    'export const builder = definition;',
    'export default definition;',
    'export const notABuilder = { name: "x" };',
  ].join('\n');

async function errorOf(run: () => Promise<unknown>): Promise<{ name: string; file?: string; field?: string; message: string } | undefined> {
  try {
    await run();
  } catch (error) {
    return error as { name: string; file?: string; field?: string; message: string };
  }
  return undefined;
}

describe('discoverBuilders', () => {
  it('finds pipeline: YAMLs and code modules, skipping other YAMLs, specs and hidden folders', async () => {
    const dir = tempDir();
    const pipeline = write(join(dir, 'qa', 'builder.yaml'), pipelineYaml('my/qa', 'generation'));
    write(join(dir, 'qa', 'task.yaml'), stringify({ task_name: 't', data_builder: 'my/qa' }));
    write(join(dir, 'code', 'builder.yaml'), stringify({ name: 'my/code', blocks: [] }));
    write(join(dir, 'code', 'builder.mjs'), moduleText('my/code'));
    write(join(dir, 'code', 'builder.spec.mjs'), 'throw new Error("a spec must not be imported");');
    write(join(dir, '.hidden', 'builder.yaml'), pipelineYaml('my/hidden'));
    const found = await discoverBuilders([dir]);
    expect(found.map((definition) => [definition.name, definition.kind, definition.pipeline ?? false, definition.yamlPath])).toEqual([
      ['my/code', 'transformation', false, join(dir, 'code', 'builder.yaml')],
      ['my/qa', 'generation', true, pipeline],
    ]);
  });

  it('counts a definition exported twice, re-exported, or under a folder given twice, as one builder', async () => {
    const dir = tempDir();
    write(join(dir, 'shout', 'builder.yaml'), stringify({ name: 'my/shout', blocks: [] }));
    write(join(dir, 'shout', 'builder.mjs'), moduleText('my/shout'));
    write(join(dir, 'shout', 'index.mjs'), "export { builder as shout } from './builder.mjs';");
    const found = await discoverBuilders([dir, dir, join(dir, 'shout')]);
    expect(found.map((definition) => definition.name)).toEqual(['my/shout']);
  });

  it('refuses a name defined in two files, naming both, and the name of a built-in builder', async () => {
    const dir = tempDir();
    const first = write(join(dir, 'a', 'builder.yaml'), pipelineYaml('my/same'));
    const second = write(join(dir, 'b', 'builder.yaml'), pipelineYaml('my/same'));
    expect(await errorOf(() => discoverBuilders([dir]))).toMatchObject({ name: 'ConfigError', file: second, field: 'name', message: expect.stringContaining(first) });
    const builtIn = tempDir();
    const file = write(join(builtIn, 'builder.yaml'), pipelineYaml('public/examples/qa_rater'));
    expect(await errorOf(() => discoverBuilders([builtIn]))).toMatchObject({ file, message: expect.stringMatching(/already a built-in builder/) });
  });

  it('names the file and the field of a malformed pipeline builder', async () => {
    const dir = tempDir();
    const file = write(join(dir, 'builder.yaml'), stringify({ name: 'my/b', kind: 'transformation', blocks: [{ name: 'a', type: 'noop' }], pipeline: ['a', 'b'] }));
    expect(await errorOf(() => discoverBuilders([dir]))).toMatchObject({ name: 'ConfigError', file, field: 'pipeline.1', message: expect.stringMatching(/no block named `b`/) });
  });

  it('names the module that fails to load, and one whose YAML lies outside the builder folder', async () => {
    const broken = tempDir();
    const file = write(join(broken, 'builder.mjs'), 'throw new Error("module exploded");');
    expect(await errorOf(() => discoverBuilders([broken]))).toMatchObject({ name: 'ConfigError', file, message: expect.stringMatching(/cannot load the builder module: module exploded/) });
    const escaping = tempDir();
    const module = write(join(escaping, 'builder.mjs'), moduleText('my/escape', '../../elsewhere.yaml'));
    expect(await errorOf(() => discoverBuilders([escaping]))).toMatchObject({ file: module, field: 'yamlPath', message: expect.stringMatching(/lies outside the folder/) });
  });

  it('says which builder folder it cannot read', async () => {
    const dir = tempDir();
    expect(await errorOf(() => discoverBuilders(['missing'], dir))).toMatchObject({ name: 'ConfigError', field: 'include_builder_paths', message: expect.stringContaining(join(dir, 'missing')) });
  });
});
