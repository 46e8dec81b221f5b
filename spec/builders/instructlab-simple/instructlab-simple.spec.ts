import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { defaultPromptTemplate } from '../../../builders/instructlab-simple/default-prompt.ts';
import { ConfigError } from '../../../lib/errors/config-error.ts';
import { prepareRun } from '../../../lib/run/prepare-run.ts';
import { runTasks } from '../../../lib/run/run-tasks.ts';
import { readLines } from '../../helpers/read-lines.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { useTestServers } from '../../helpers/test-servers.ts';
import { answers, good, jointConfig, promptOf } from './answers.ts';

const startServer = useTestServers();
const sample = join(process.cwd(), 'samples', 'instructlab-simple');
/** Every rejected line the run logged, from the task's `blocks/` folder. */
function rejections(folder: string): Record<string, any>[] {
  const blocks = join(folder, 'blocks');
  return readdirSync(blocks, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.jsonl'))
    .flatMap((name) => readLines(join(blocks, name)));
}

describe('public/instructlab/simple', () => {
  test('runs the sample task: prompts in DGT layout, records with the example fields, garbled and repeated tasks rejected', async () => {
    const server = await startServer({ respond: answers() });
    const dir = tempDir();
    const out = join(dir, 'out');
    const { tasks, close } = await prepareRun({ taskPaths: [sample], configPath: jointConfig(dir, server.baseURL), outputDir: out, numOutputsToGenerate: 4, seed: 7, cwd: dir, env: {} });
    try {
      await lastValueFrom(runTasks(tasks).pipe(toArray()));
    } finally {
      await close();
    }
    const folder = join(out, 'public', 'instructlab', 'simple', 'temporal_reasoning');
    const records = readLines(join(folder, 'data.jsonl'));
    expect(records.length).toBeGreaterThanOrEqual(4);
    expect(records[0]).toMatchObject({
      task_name: 'public/instructlab/simple/temporal_reasoning',
      is_seed: false,
      taxonomy_path: 'public/instructlab/simple/temporal_reasoning',
      task_description: 'To teach a language model to work out the order in which events happened.',
      instruction: 'Who reached the summit first on trip number 2?',
      input: '',
      output: 'Ana reached it first on trip 2.',
      document: null,
    });
    const instructions = records.map((record) => record['instruction']);
    expect(new Set(instructions).size).toBe(instructions.length);

    // The prompt: the default template, then two examples (the default --num-prompt-instructions) in DGT's layout.
    const first = server.requests[0]!;
    const prompt = promptOf(first);
    expect(prompt).toContain('Invent 5 new and varied tasks for the skill public/instructlab/simple/temporal_reasoning');
    expect(prompt.match(/^\* Task \d$/gm)).toEqual(['* Task 1', '* Task 2', '* Task 3']);
    expect(prompt).toMatch(/\*\* Instruction\n.+\n\*\* Input\n<noinput>\n\*\* Output\n/);
    expect(prompt.endsWith('* Task 3\n')).toBe(true);
    expect(first.body.stop).toEqual(['* Task 4']);

    const codes = rejections(folder).map((line) => line.issues[0].code);
    expect(codes).toContain('format_mismatch');
    expect(codes).toContain('denylisted_word');
    expect(codes).toContain('duplicate');
    const garbled = rejections(folder).find((line) => line.issues[0].code === 'format_mismatch');
    expect(garbled?.issues[0]).toMatchObject({ block: 'generator', message: expect.stringMatching(/expected the three sections/) });
  });

  test('--num-prompt-instructions and --prompt-file-path (relative to the working directory) shape the prompt', async () => {
    const server = await startServer({ respond: (_request, index) => good(index) });
    const dir = tempDir();
    writeFileSync(join(dir, 'my_prompt.txt'), '  Tasks about {{ taxonomy }} ({{ task_description }}){% if document %} from {{ document }}{% endif %}:  \n\n');
    const out = join(dir, 'out');
    const { tasks, close } = await prepareRun({
      taskPaths: [sample],
      configPath: jointConfig(dir, server.baseURL),
      outputDir: out,
      numOutputsToGenerate: 1,
      numPromptInstructions: 3,
      promptFilePath: join(dir, 'my_prompt.txt'),
      cwd: dir,
      env: {},
    });
    try {
      await lastValueFrom(runTasks(tasks).pipe(toArray()));
    } finally {
      await close();
    }
    const prompt = promptOf(server.requests[0]!);
    expect(prompt.startsWith('Tasks about public/instructlab/simple/temporal_reasoning (To teach a language model to work out the order in which events happened.):\n* Task 1\n')).toBe(true);
    expect(prompt.match(/^\* Task \d$/gm)).toEqual(['* Task 1', '* Task 2', '* Task 3', '* Task 4']);
    expect(server.requests[0]!.body.stop).toEqual(['* Task 5']);
  });

  test('a missing --prompt-file-path is a config error naming the flag and the path', async () => {
    const dir = tempDir();
    const error = await prepareRun({ taskPaths: [sample], outputDir: join(dir, 'out'), promptFilePath: join(dir, 'nope.txt'), cwd: dir, env: {} }).catch((caught: unknown) => caught);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).message).toMatch(/`--prompt-file-path`: cannot read the prompt template .*nope\.txt.*it does not exist/);
  });

  test('the default template follows the model family, as DGT picks it', () => {
    expect(defaultPromptTemplate('mistralai/Mixtral-8x7B-Instruct-v0.1')).toMatch(/^<s> \[INST\]/);
    expect(defaultPromptTemplate('granite4:3b')).not.toMatch(/\[INST\]/);
  });
});
