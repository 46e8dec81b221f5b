import { describe, expect, it } from 'vitest';
import { blockTypes } from '../../lib/blocks/registry.ts';
import { builderNames } from '../../lib/builder-registry.ts';
import { formatterTypes } from '../../lib/formatters/formatter-config.ts';
import { engineTypes } from '../../lib/run/lm-block.ts';
import { runCli } from './run-cli.ts';

/** The lines of one section of `rxdgt list`: from its title to the blank line after it. */
function sectionOf(stdout: string, title: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`${title} (`));
  const end = lines.indexOf('', start);
  return lines.slice(start, end === -1 ? undefined : end);
}

/** The field lines (indented four) under the head line of `entry` in a section. */
function fieldsOf(section: readonly string[], entry: string): string[] {
  const at = section.findIndex((line) => line === `  ${entry}` || line.startsWith(`  ${entry}  `));
  const after = section.slice(at + 1);
  const end = after.findIndex((line) => !line.startsWith('    '));
  return after.slice(0, end === -1 ? undefined : end).map((line) => line.trim());
}

/** A field line split into its cells (two spaces or more apart). */
function cells(line: string | undefined): string[] {
  return (line ?? '').split(/\s{2,}/);
}

interface Field {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: unknown;
}

interface Listed {
  readonly builders?: readonly { readonly name: string; readonly kind: string; readonly taskFields: readonly Field[] }[];
  readonly blocks?: readonly { readonly type: string; readonly summary: string; readonly fields: readonly Field[]; readonly inputs?: { required: string[]; optional: string[] } }[];
  readonly engines?: readonly { readonly type: string; readonly fields: readonly Field[] }[];
  readonly formatters?: readonly { readonly type: string; readonly fields: readonly Field[] }[];
}

describe('rxdgt list', () => {
  it('prints every builder, block type, engine type and formatter of the registries, as aligned text', async () => {
    const result = await runCli(['list']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');

    const builders = sectionOf(result.stdout, 'builders');
    expect(builders[0]).toBe(`builders (${builderNames().length}):`);
    for (const name of builderNames()) expect(builders.some((line) => line.startsWith(`  ${name} `))).toBe(true);
    expect(builders).toContainEqual(expect.stringMatching(/^ {2}instructlab\/skills +generation$/));
    expect(fieldsOf(builders, 'instructlab/skills').map((line) => cells(line)[0])).toContain('num_icl_examples_per_prompt');
    expect(cells(fieldsOf(builders, 'core/conversation').find((line) => line.startsWith('max_turns ')))).toEqual(['max_turns', 'integer', 'default 10']);

    const blocks = sectionOf(result.stdout, 'blocks');
    expect(blocks[0]).toBe(`blocks (${blockTypes().length}):`);
    const rouge = fieldsOf(blocks, 'rouge_scorer');
    expect(cells(rouge.find((line) => line.startsWith('threshold ')))).toEqual(['threshold', 'number|null', 'default 1.1']);
    // A validator's `filter`, with its own default; a block's inputs.
    expect(cells(fieldsOf(blocks, 'dedup/exact').find((line) => line.startsWith('filter ')))).toEqual(['filter', 'boolean', 'default true']);
    expect(fieldsOf(blocks, 'field_map')).toContain('inputs: the whole record');

    const engines = sectionOf(result.stdout, 'engines');
    expect(engines[0]).toBe(`engines (${engineTypes.length}):`);
    const openai = fieldsOf(engines, 'openai');
    expect(cells(openai.find((line) => line.startsWith('base_url ')))).toEqual(['base_url', 'string', 'optional']);
    expect(cells(openai.find((line) => line.startsWith('model_id_or_path ')))).toEqual(['model_id_or_path', 'string', 'required']);
    expect(cells(openai.find((line) => line.startsWith('call_limit ')))).toEqual(['call_limit', 'integer', 'default 10']);
    // An engine type's own fields come after those of every LM block.
    expect(fieldsOf(engines, 'ollama').map((line) => cells(line)[0])).toContain('num_ctx');
    expect(fieldsOf(engines, 'openai').map((line) => cells(line)[0])).not.toContain('num_ctx');

    const formatters = sectionOf(result.stdout, 'formatters');
    expect(formatters[0]).toBe(`formatters (${formatterTypes.length}):`);
    expect(fieldsOf(formatters, 'formatters/native').map(cells)).toEqual([['format', 'string|object', 'required']]);
    expect(fieldsOf(formatters, 'formatters/safety/refusal')).toEqual([]);

    // Aligned: the field lines of one entry start each column at the same place, and no line ends in spaces.
    const columns = openai.map((line) => line.indexOf(cells(line)[1] as string));
    expect(new Set(columns).size).toBe(1);
    expect(result.stdout.split('\n').filter((line) => line !== line.trimEnd())).toEqual([]);
  });

  it('prints only the topics asked for', async () => {
    const result = await runCli(['list', 'formatters']);
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith(`formatters (${formatterTypes.length}):\n`)).toBe(true);
    expect(result.stdout).not.toMatch(/^(builders|blocks|engines) \(/m);
  });

  it('prints the same as JSON with --json', async () => {
    const result = await runCli(['list', '--json']);
    expect(result.code).toBe(0);
    const listed = JSON.parse(result.stdout) as Listed;
    expect(Object.keys(listed)).toEqual(['builders', 'blocks', 'engines', 'formatters']);
    expect(listed.builders?.map((builder) => builder.name)).toEqual(builderNames());
    expect(listed.builders?.find((builder) => builder.name === 'instructlab/skills')).toMatchObject({
      kind: 'generation',
      taskFields: expect.arrayContaining([expect.objectContaining({ name: 'num_icl_examples_per_prompt', type: 'integer' })]),
    });
    expect(listed.blocks?.map((block) => block.type)).toEqual(blockTypes());
    expect(listed.blocks?.find((block) => block.type === 'rouge_scorer')?.fields).toContainEqual({ name: 'threshold', type: 'number|null', required: false, default: 1.1 });
    expect(listed.engines?.map((engine) => engine.type)).toEqual(engineTypes);
    expect(listed.engines?.find((engine) => engine.type === 'openai')?.fields).toContainEqual({ name: 'base_url', type: 'string', required: false });
    expect(listed.formatters?.map((formatter) => formatter.type)).toEqual([...formatterTypes]);

    const engines = JSON.parse((await runCli(['list', 'engines', '--json'])).stdout) as Listed;
    expect(engines).toEqual({ engines: listed.engines });
  });

  it('rejects an unknown topic, exit 2', async () => {
    const result = await runCli(['list', 'models']);
    expect(result).toMatchObject({ code: 2, stdout: '', stderr: 'rxdgt: unknown list topic `models` (known: builders, blocks, engines, formatters)\n' });
  });
});

describe('rxdgt --version', () => {
  it('prints the version of package.json, as -V too', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
    for (const flag of ['--version', '-V']) {
      expect(await runCli([flag])).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });
});
