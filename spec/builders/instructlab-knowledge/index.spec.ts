import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, test } from 'vitest';
import { generationRequests, promptOf, runCli } from '../../cli/run-cli.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { useTestServers } from '../../helpers/test-servers.ts';
import { answers, blocks, builder, kindOf } from './answers.ts';

const start = useTestServers();
const taskName = 'instructlab/knowledge/astronomy/moons';

/** A joint config pointing every LM (and the embedding model) of the builder at the test server. */
function jointConfig(dir: string, baseURL: string, taskOverrides: Record<string, unknown> = {}): string {
  const config = {
    databuilders: { [builder]: { blocks: blocks(baseURL) } },
    ...(Object.keys(taskOverrides).length > 0 ? { tasks: { [taskName]: taskOverrides } } : {}),
  };
  const path = join(dir, 'config.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

/** A server playing the knowledge builder's models (see `answers`). */
function knowledgeServer() {
  return start({ respond: answers() });
}

const readJsonl = (path: string): Record<string, any>[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, any>);

describe('instructlab/knowledge, end to end through the CLI', () => {
  test('the sample task: pairs grounded in its documents, judged, tagged, deduplicated, filtered; garbled answers rejected with reasons', async () => {
    const server = await knowledgeServer();
    const dir = tempDir();
    const out = join(dir, 'out');
    const config = jointConfig(dir, server.baseURL);
    const result = await runCli(['run', '--task-paths', 'samples/instructlab-knowledge', '--config-path', config, '--output-dir', out, '--num-outputs-to-generate', '3', '--seed', '7']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const folder = join(out, taskName);
    const records = readJsonl(join(folder, 'final_data.jsonl'));
    expect(records.length).toBeGreaterThanOrEqual(3);
    const moon = readFileSync('samples/instructlab-knowledge/astronomy/moons/docs/moon.md', 'utf8');
    for (const record of records) {
      expect(record).toMatchObject({
        task_name: taskName,
        is_seed: false,
        task_description: 'To teach a language model about the Moon and the tides',
        domain: 'astronomy',
        question: expect.stringMatching(/^Question \d+-a about the text\?$/),
        answer: expect.stringMatching(/^Answer \d+-a\.$/),
        context: { domain: 'astronomy', document_len: expect.any(Number) },
        tags: { input_quality: [{ 'test-model': 'good' }], judge_quality_score: [{ 'test-model': '5' }] },
      });
      expect(record['question']).not.toBe('Question 3-a about the text?');
    }
    // Chunks alternate between the two documents (800 words each at most: one chunk each).
    const contents = new Set(records.map((record) => record['context'].content));
    expect([...contents].some((content) => content === moon)).toBe(true);

    const requests = generationRequests(server.requests);
    const generations = requests.filter((request) => kindOf(request) === 'generation').map(promptOf);
    expect(generations[0]).toContain('You write study questions about astronomy');
    expect(generations.some((prompt) => prompt.includes("The Moon is Earth's only natural satellite."))).toBe(true);
    expect(generations.some((prompt) => prompt.includes('Tides are the regular rise and fall of the sea.'))).toBe(true);
    // Three seed pairs in DGT's markers, and the prompt ends with an open [Question].
    expect(generations[0]!.match(/\[Question\]\n[^\n]+\n\[Answer\]\n[^\n]+\n\[End\]/g)).toHaveLength(3);
    expect(generations[0]!.trimEnd().endsWith('[Question]')).toBe(true);
    // Judges see the chunk text through {{ context }}.
    const faithfulness = requests.filter((request) => kindOf(request) === 'faithfulness').map(promptOf);
    expect(faithfulness.every((prompt) => !prompt.includes('[object Object]') && /(Moon|Tides)/.test(prompt))).toBe(true);

    // Every rejection, with its reason, in the blocks' reject files.
    const rejections = ['generator', 'validator'].flatMap((block) => {
      const path = join(folder, 'blocks', `${block}.jsonl`);
      return existsSync(path) ? readJsonl(path) : [];
    });
    const messages = JSON.stringify(rejections);
    expect(messages).toContain('parse_failed');
    expect(messages).toContain('no `[Answer]` marker');
    expect(messages).toContain('judge_rejected');
    expect(messages).toContain('criterion `faithfulness`: the judge answered \\"no\\"');
  });

  test('MCQ prompts show the document only; criteria [] judges nothing', async () => {
    const server = await knowledgeServer();
    const dir = tempDir();
    const out = join(dir, 'out');
    const config = jointConfig(dir, server.baseURL, { question_style: 'MCQ', criteria: [] });
    const result = await runCli(['run', '--task-paths', 'samples/instructlab-knowledge', '--config-path', config, '--output-dir', out, '--num-outputs-to-generate', '2']);
    expect(result.code).toBe(0);
    const kinds = generationRequests(server.requests).map(kindOf);
    expect(kinds).not.toContain('faithfulness');
    expect(kinds).not.toContain('relevancy');
    const prompt = promptOf(generationRequests(server.requests).find((request) => kindOf(request) === 'generation')!);
    expect(prompt).toContain('multiple-choice');
    expect(prompt).not.toContain('What is a natural satellite?');
    const records = readJsonl(join(out, taskName, 'final_data.jsonl'));
    expect(records.some((record) => /-b about/.test(record['question']))).toBe(true);
  });

  test('without loop_over, one pass over the chunks is made: the task then completes short of its target (input_done)', async () => {
    const server = await knowledgeServer();
    const dir = tempDir();
    const out = join(dir, 'out');
    const config = jointConfig(dir, server.baseURL, { loop_over: false, criteria: ['question_verification'] });
    const result = await runCli(['run', '--task-paths', 'samples/instructlab-knowledge', '--config-path', config, '--output-dir', out, '--num-outputs-to-generate', '50', '--machine-batch-size', '0']);
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toMatch(/instructlab\/knowledge\/astronomy\/moons\s+completed/);
    // Two chunks, three seeds shown three at a time: one prompt per chunk, every one answered before the task ended.
    const generations = generationRequests(server.requests).filter((request) => kindOf(request) === 'generation');
    expect(generations).toHaveLength(2);
    const records = readJsonl(join(out, taskName, 'final_data.jsonl'));
    expect(records.length).toBeGreaterThan(0);
    expect(generations.map(promptOf).filter((prompt) => prompt.includes("The Moon is Earth's only natural satellite.") || prompt.includes('Tides are the regular rise'))).toHaveLength(2);
    const [ended] = readJsonl(join(out, taskName, 'task_results.jsonl'));
    expect(ended).toMatchObject({ status: 'completed', reason: 'input_done' });
    expect(ended!['message']).toMatch(/^\d+ of 50 records made: every one of the 2 document chunks has had its 1 prompt\(s\); set `loop_over: true` to use them again$/);
    // The inputs past the pass are kept as rejections that say so.
    expect(JSON.stringify(readJsonl(join(out, taskName, 'blocks', 'generator.jsonl')))).toContain('inputs_exhausted');
  });

  describe('bad task fields stop the run with exit 2, naming the file and the field', () => {
    const taskFile = (fields: string, files: Record<string, string> = { 'docs/a.md': 'Some text.' }) => {
      const dir = tempDir();
      const taskDir = join(dir, 'task');
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(join(taskDir, path, '..'), { recursive: true });
        writeFileSync(join(taskDir, path), text);
      }
      mkdirSync(taskDir, { recursive: true });
      writeFileSync(join(dir, 'outside.md'), 'secret');
      const file = join(taskDir, 'task.yaml');
      writeFileSync(file, `task_name: k\ntask_description: d\ndata_builder: instructlab/knowledge\nseed_examples:\n  - {question: Q?, answer: A.}\n${fields}`);
      return { dir, file };
    };

    test.each([
      ['criteria', 'include: {documents: {a: docs/a.md}}\ncriteria: [faithfulness, vibes]\n', 'criteria.1'],
      ['question_style', 'include: {documents: {a: docs/a.md}}\nquestion_style: essay\n', 'question_style'],
      ['documents outside the folder', 'include: {documents: {a: ../outside.md}}\n', 'include.documents.a'],
      ['no documents', 'chunk_size: 10\n', 'documents'],
      ['an unknown field', 'include: {documents: {a: docs/a.md}}\nnum_questions: 3\n', 'num_questions'],
    ])('%s', async (_name, fields, field) => {
      const { dir, file } = taskFile(fields);
      const result = await runCli(['run', '--task-paths', file, '--output-dir', join(dir, 'out')]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(file);
      expect(result.stderr).toContain(field);
    });
  });
});
