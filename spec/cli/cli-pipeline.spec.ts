/**
 * Builders without code: a `pipeline:` builder YAML found through `--include-builder-paths`, run by the CLI against the
 * test server, for generation (a prompt template with the batch's examples, a JSON answer) and transformation (an
 * `output_field`, a DGT-style LM block reading `input` through `input_map`); and the errors a broken one gets.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { TestServer, TestServerRequest } from '../../lib/testing/test-server.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { twoSeeds, wholeLines, writeTask } from './cli-tasks.ts';
import { generationRequests, promptOf, repoRoot, runCli } from './run-cli.ts';

const startServer = useTestServers();

function writeBuilder(dir: string, spec: Record<string, unknown>, file = 'builder.yaml'): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, stringify(spec));
  return path;
}

const engine = (server: TestServer) => ({ type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', api_key: 'k' });

/** Answers the writer with a JSON pair numbered by the request, and the checker with `ok: <its prompt>`. */
function respond(request: TestServerRequest, index: number): string {
  const prompt = promptOf(request);
  if (prompt.startsWith('Check:')) return `ok: ${prompt.slice('Check:'.length).trim()}`;
  return `Here you go: {"question": "Generated question ${index}?", "answer": "Answer ${index}."}`;
}

describe('rxdgt run with a pipeline: builder', () => {
  it('generation: renders the prompt with the examples, merges the JSON answer, and a second block reads it through input_map', async () => {
    const server = await startServer({ respond });
    const dir = tempDir();
    const builders = join(dir, 'builders');
    writeBuilder(builders, {
      name: 'my/qa',
      kind: 'generation',
      blocks: [
        { name: 'writer', ...engine(server), prompt_file: 'prompt.txt', parse: 'json', examples: 2 },
        { name: 'checker', ...engine(server), input_map: { question: 'input' }, output_map: { result: 'check' }, temperature: 0 },
      ],
      pipeline: ['writer', 'checker'],
    });
    writeFileSync(join(builders, 'prompt.txt'), 'Write a new pair like these:\n{% for e in examples %}Q: {{ e.question }} A: {{ e.answer }}\n{% endfor %}');
    const task = writeTask(dir, 'qa', 'my/qa', { seed_examples: twoSeeds, runner_config: { num_outputs_to_generate: 4 } });
    const out = join(dir, 'out');
    const result = await runCli(['run', '--task-paths', task, '--include-builder-paths', builders, '--output-dir', out]);
    expect([result.code, result.stderr]).toEqual([0, '']);
    const records = wholeLines(join(out, 'qa', 'data.jsonl'));
    expect(records).toHaveLength(4);
    for (const record of records) {
      expect(record).toMatchObject({ task_name: 'qa', is_seed: false, question: expect.stringMatching(/^Generated question \d+\?$/), answer: expect.any(String) });
      expect(record['check']).toEqual(expect.any(String));
      expect(Object.keys(record)).not.toContain('examples');
      expect(Object.keys(record)).not.toContain('result');
    }
    const writerPrompts = generationRequests(server.requests).map(promptOf).filter((prompt) => prompt.startsWith('Write a new pair'));
    expect(writerPrompts.length).toBeGreaterThanOrEqual(4);
    // Two examples drawn from the two seeds: both seed questions are in every prompt.
    for (const prompt of writerPrompts) for (const seed of twoSeeds) expect(prompt).toContain(`Q: ${seed.question} A: ${seed.answer}`);
    // The checker got the generated question as its whole prompt.
    const checkerPrompts = generationRequests(server.requests).map(promptOf).filter((prompt) => prompt.startsWith('Generated question'));
    expect(checkerPrompts.length).toBeGreaterThanOrEqual(4);
  });

  it('transformation: an inline prompt writes output_field; a garbled JSON answer rejects only its record', async () => {
    const server = await startServer({
      respond: (request) => {
        const prompt = promptOf(request);
        return prompt.includes('row 1') ? 'no json here' : `{"label": "${prompt.length}"}`;
      },
    });
    const dir = tempDir();
    const builders = join(dir, 'builders');
    writeBuilder(builders, {
      name: 'my/label',
      kind: 'transformation',
      blocks: [
        { name: 'translate', ...engine(server), prompt: 'Translate: {{ text }}', output_field: 'translation' },
        { name: 'labeler', ...engine(server), prompt: 'Label {{ text }}', parse: 'json' },
      ],
      pipeline: ['translate', 'labeler'],
    });
    const task = writeTask(dir, 'label', 'my/label', { data: [{ text: 'row 0' }, { text: 'row 1' }, { text: 'row 2' }] });
    const out = join(dir, 'out');
    const result = await runCli(['run', '--task-paths', task, '--include-builder-paths', builders, '--output-dir', out]);
    expect([result.code, result.stderr]).toEqual([0, '']);
    const records = wholeLines(join(out, 'label', 'data.jsonl'));
    expect(records.map((record) => record['text']).sort()).toEqual(['row 0', 'row 2']);
    for (const record of records) expect(record).toMatchObject({ translation: expect.any(String), label: expect.any(String) });
    const rejected = wholeLines(join(out, 'label', 'blocks', 'labeler.jsonl'));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ text: 'row 1', issues: [{ code: 'parse_failed', block: 'labeler' }] });
    expect(JSON.stringify(rejected[0])).toContain('no json here');
  });

  it('refuses a broken pipeline builder with exit 2 naming the builder file and the field, before any request', async () => {
    const server = await startServer({ respond });
    const dir = tempDir();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: 'my/b', kind: 'transformation', blocks: [{ name: 'a', ...engine(server), prompt: 'x', outptu_field: 'y' }], pipeline: ['a'] }, /blocks\.0\.outptu_field`: block `a`: unknown field/],
      [{ name: 'my/b', kind: 'transformation', blocks: [{ name: 'a', ...engine(server), prompt: 'x' }], pipeline: ['a', 'b'] }, /pipeline\.1.*no block named `b`/s],
      [{ name: 'my/b', blocks: [{ name: 'a', ...engine(server), prompt: 'x' }], pipeline: ['a'] }, /kind/],
      [{ name: 'my/b', kind: 'transformation', blocks: [{ name: 'a', type: 'no_such_block' }], pipeline: ['a'] }, /blocks\.0\.type.*unknown block type `no_such_block`/s],
      [{ name: 'my/b', kind: 'transformation', blocks: [{ name: 'len', type: 'validators/length', min: 1, unti: 'words' }], pipeline: ['len'] }, /blocks\.0\.unti`: block `len`: unknown field/],
      [{ name: 'my/b', kind: 'transformation', blocks: [{ name: 'a', ...engine(server), prompt_file: '../secret.txt' }], pipeline: ['a'] }, /prompt_file.*outside/s],
    ];
    for (const [index, [spec, expected]] of cases.entries()) {
      const builders = join(dir, `builders-${index}`);
      const file = writeBuilder(builders, spec);
      const task = writeTask(dir, 't', 'my/b', { data: [{ text: 'a' }] }, `task-${index}.yaml`);
      const result = await runCli(['run', '--task-paths', task, '--include-builder-paths', builders, '--output-dir', join(dir, 'out')]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(file);
      expect(result.stderr).toMatch(expected);
    }
    expect(generationRequests(server.requests)).toHaveLength(0);
  });

  it('finds a TypeScript builder module under --include-builder-paths, with its YAML beside it', async () => {
    const dir = tempDir();
    const builders = join(dir, 'builders', 'shout');
    writeBuilder(builders, { name: 'my/shout', blocks: [] }, 'shout.yaml');
    const library = join(repoRoot, 'lib', 'index.ts');
    writeFileSync(
      join(builders, 'shout.ts'),
      [
        `import { mapAccepted, passOn, withConcurrency } from ${JSON.stringify(library)};`,
        `import type { BuilderDefinition } from ${JSON.stringify(library)};`,
        'export const shout: BuilderDefinition = {',
        "  name: 'my/shout', kind: 'transformation', yamlPath: './shout.yaml',",
        '  create: () => withConcurrency(mapAccepted((outcome) => passOn(outcome, { ...outcome.record, loud: String(outcome.record.text).toUpperCase() })), 2),',
        '};',
      ].join('\n'),
    );
    const task = writeTask(dir, 'loud', 'my/shout', { data: [{ text: 'hello' }, { text: 'world' }] });
    const out = join(dir, 'out');
    const result = await runCli(['run', '--task-paths', task, '--include-builder-paths', join(dir, 'builders'), '--output-dir', out]);
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(wholeLines(join(out, 'loud', 'data.jsonl')).map((record) => record['loud']).sort()).toEqual(['HELLO', 'WORLD']);
  });
});
