import { mkdirSync, readdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../lib/errors/config-error.ts';
import { prepareRun } from '../../../lib/run/prepare-run.ts';
import { runTasks } from '../../../lib/run/run-tasks.ts';
import { readLines } from '../../helpers/read-lines.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { useTestServers } from '../../helpers/test-servers.ts';
import { jointConfig, model, promptOf } from './answers.ts';

const startServer = useTestServers();
const samples = join(process.cwd(), 'samples', 'instructlab-skills');

function rejections(folder: string): Record<string, any>[] {
  const blocks = join(folder, 'blocks');
  return readdirSync(blocks, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.jsonl'))
    .flatMap((name) => readLines(join(blocks, name)));
}

async function run(task: string, dir: string, server: { baseURL: string }, outputs: number) {
  const out = join(dir, 'out');
  const { tasks, close } = await prepareRun({ taskPaths: [join(samples, task)], configPath: jointConfig(dir, server.baseURL), outputDir: out, numOutputsToGenerate: outputs, seed: 3, cwd: dir, env: {} });
  try {
    await lastValueFrom(runTasks(tasks).pipe(toArray()));
  } finally {
    await close();
  }
  return out;
}

describe('instructlab/skills', () => {
  test('freeform: questions from shown examples, judged, answered, judged and tagged; failures rejected with reasons', async () => {
    const server = await startServer({ respond: model });
    const dir = tempDir();
    const out = await run('freeform', dir, server, 2);
    const folder = join(out, 'skills', 'writing', 'freeform', 'debate');
    const records = readLines(join(folder, 'data.jsonl'));
    expect(records.length).toBeGreaterThanOrEqual(2);
    expect(records[0]).toMatchObject({
      task_name: 'skills/writing/freeform/debate',
      is_seed: false,
      task_description: 'Write the opening statement for one side of a debate.',
      instruction: 'Argue that museums should be free.',
      response: 'Friends, consider this carefully: it serves us all.',
      tags: { input_quality: [{ 'test-model': 'good' }], judge_quality_score: [{ 'test-model': '5' }], difficulty: [{ 'test-model': 'easy' }] },
    });
    expect(records[0]).not.toHaveProperty('context');

    const prompts = server.requests.map(promptOf);
    const questionPrompt = prompts.find((prompt) => prompt.includes('new questions'))!;
    // Three examples per prompt (the task's num_icl_examples_per_prompt), five questions asked for.
    expect(questionPrompt.match(/^### Question \d: /gm)).toEqual(['### Question 1: ', '### Question 2: ', '### Question 3: ']);
    expect(questionPrompt).toContain('Write 5 new questions');
    expect(server.requests.find((request) => promptOf(request).includes('new questions'))!.body.stop).toEqual(['</s>', '[/EXAMPLE]']);
    const answerPrompt = prompts.find((prompt) => prompt.startsWith('You are a helpful assistant.'))!;
    expect(answerPrompt).toMatch(/\[EXAMPLE\]\nQuestion:\n.+\n\nAnswer:\n.+/);

    const issues = rejections(folder).map((line) => line.issues[0]);
    expect(issues).toContainEqual({ code: 'judge_rejected', block: 'validator', message: 'the validator rated the question 0; it needs exactly 1' });
    expect(issues).toContainEqual({ code: 'judge_unparseable', block: 'validator', message: expect.stringMatching(/no "Rating" with a bracketed score: "Looks fine to me\."/) });
    expect(issues).toContainEqual({ code: 'judge_rejected', block: 'validator', message: 'the validator rated the answer 1; it needs more than 1' });
    // The postprocessors (dedup over every record, then the filter) ran when the task ended: the poor question is in
    // data.jsonl, left out of final_data, and listed with why.
    const postprocessed = readLines<{ instruction: string; issues: { code: string; block: string; message: string }[] }>(join(folder, 'postprocess_rejections.jsonl'));
    expect(postprocessed.map((line) => line.issues[0])).toContainEqual({ code: 'low_quality', block: 'filter', message: expect.stringMatching(/the tag `input_quality` is "poor"/) });
    const kept = readLines<{ instruction: string }>(join(folder, 'final_data.jsonl'));
    expect(kept.length).toBe(records.length - postprocessed.length);
    expect(kept.map((record) => record.instruction)).not.toContain('Argue that homework should be optional.');
    expect(server.requests.some((request) => request.path === '/v1/embeddings')).toBe(true);
    const calls = server.requests.length / records.length;
    expect(calls).toBeGreaterThan(6);
  });

  test('grounded: a new context per seed, questions about it, answers from it; a context answer without markers is rejected', async () => {
    const server = await startServer({ respond: model });
    const dir = tempDir();
    const out = await run('grounded', dir, server, 2);
    const folder = join(out, 'skills', 'writing', 'grounded', 'editing', 'grammar');
    const records = readLines(join(folder, 'data.jsonl'));
    expect(records.length).toBeGreaterThanOrEqual(2);
    expect(records[0]).toMatchObject({
      is_seed: false,
      context: 'The dogs was barking all night, and nobody were sleeping.',
      instruction: 'Argue that museums should be free.',
      response: 'Friends, consider this carefully: it serves us all.',
    });
    const prompts = server.requests.map(promptOf);
    const contextPrompt = prompts.find((prompt) => prompt.includes('[Start of Context]'))!;
    expect(contextPrompt).toContain('Correct the grammar of a passage without changing its meaning.');
    const questionPrompt = prompts.find((prompt) => prompt.includes('new questions'))!;
    expect(questionPrompt).toContain('Passage:\nThe dogs was barking all night');
    expect(questionPrompt).toContain('Write 3 new questions');
    const checkPrompt = prompts.find((prompt) => prompt.startsWith("You grade an assistant's answer to a question about a passage"))!;
    expect(checkPrompt).toContain('The dogs was barking all night');
    const issues = rejections(folder).map((line) => line.issues[0]);
    expect(issues).toContainEqual({ code: 'parse_failed', block: 'generator', message: expect.stringMatching(/no "\[Start of Context\] … \[End of Context\]" block/) });
  });

  test('a bad task field and a missing prompt_templates_dir are config errors naming the file and field', async () => {
    const dir = tempDir();
    const task = join(dir, 'task.yaml');
    const body = ['task_name: t', 'task_description: d', 'created_by: me', 'data_builder: instructlab/skills', 'seed_examples:', '  - question: Q one two three?', '    answer: A.'];
    writeFileSync(task, [...body, 'num_icl_examples_per_prompt: 0'].join('\n'));
    const config = jointConfig(dir, 'http://127.0.0.1:9');
    const bad = await prepareRun({ taskPaths: [task], configPath: config, outputDir: join(dir, 'out'), cwd: dir, env: {} }).catch((error: unknown) => error);
    expect(ConfigError.isInstance(bad)).toBe(true);
    expect(bad).toMatchObject({ file: task, field: 'num_icl_examples_per_prompt' });

    writeFileSync(task, [...body, 'prompt_templates_dir: missing_templates'].join('\n'));
    const missing = await prepareRun({ taskPaths: [task], configPath: config, outputDir: join(dir, 'out'), cwd: dir, env: {} }).catch((error: unknown) => error);
    expect(missing).toMatchObject({ file: task, field: 'prompt_templates_dir', message: expect.stringMatching(/`missing_templates`, which is not a folder/) });

    mkdirSync(join(dir, 'partial'));
    writeFileSync(join(dir, 'partial', 'answer_generation.txt'), 'Answer {{ question }}');
    writeFileSync(task, [...body, 'prompt_templates_dir: partial'].join('\n'));
    const partial = await prepareRun({ taskPaths: [task], configPath: config, outputDir: join(dir, 'out'), cwd: dir, env: {} }).catch((error: unknown) => error);
    expect(partial).toMatchObject({ field: 'prompt_templates_dir', message: expect.stringMatching(/needs the prompt template `freeform_question_generation.txt`/) });

    // A template that is a link to a file outside the folder is refused, not read into prompts.
    const outside = tempDir();
    writeFileSync(join(outside, 'secret.txt'), 'not a template of this task');
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'partial', 'freeform_question_generation.txt'));
    const linked = await prepareRun({ taskPaths: [task], configPath: config, outputDir: join(dir, 'out'), cwd: dir, env: {} }).catch((error: unknown) => error);
    expect(linked).toMatchObject({ file: task, field: 'prompt_templates_dir', message: expect.stringMatching(/freeform_question_generation\.txt` lies outside the folder/) });
  });
});
