import { describe, expect, test } from 'vitest';
import type { BlockDefinition } from '../../../lib/blocks/block-definition.ts';
import { magpieTagBlock } from '../../../lib/blocks/judges/magpie-tag.ts';
import type { TestServerRequest } from '../../../lib/testing/test-server.ts';
import { useTestServers } from '../../helpers/test-servers.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { from, lastValueFrom, mergeMap } from 'rxjs';
import { magpieTemplatePath } from '../../../lib/blocks/judges/magpie-tag-templates.ts';
import { repoRoot } from '../../cli/run-cli.ts';
import { configErrorFrom } from '../../helpers/block-harness.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { behaviourOf, callOf, configErrorOf, context, errorOf, lmConfigOf, promptOf, record, runBlock, runOf } from './judge-harness.ts';

const start = useTestServers();
const block = magpieTagBlock as unknown as BlockDefinition;

type Task = 'quality' | 'sample_quality' | 'difficulty' | 'classification' | 'conversation_quality';

/** Which task a prompt is for, by the JSON keys it asks for. */
function taskOf(request: TestServerRequest): Task {
  const prompt = promptOf(request);
  if (prompt.includes('"input_quality"')) return 'quality';
  if (prompt.includes('"primary_tag"')) return 'classification';
  if (prompt.includes('"difficulty"')) return 'difficulty';
  return prompt.includes('as a whole') ? 'conversation_quality' : 'sample_quality';
}

const goodAnswers: Record<Task, string> = {
  quality: '{"explanation": "Clear.", "input_quality": "good"}',
  sample_quality: '{"score": "5", "explanation": "Correct."}',
  difficulty: '{"intent": "learn a fact", "knowledge": "geography", "difficulty": "very easy"}',
  classification: '{"primary_tag": "Information seeking", "other_tags": []}',
  conversation_quality: '{"score": 4, "explanation": "Coherent."}',
};

/** A tagger server: good answers, except those `overrides` replaces. */
const tagger = (overrides: Partial<Record<Task, string>> = {}) => start({ respond: (request) => ({ ...goodAnswers, ...overrides })[taskOf(request)] });

const m = (value: unknown) => [{ 'test-model': value }];

describe('magpie_tag', () => {
  test("tags `question` and `answer` with DGT's default tasks, one call each, as DGT's tags", async () => {
    const server = await tagger();
    const call = callOf();
    const outputs = await runOf(block, { lm_config: lmConfigOf(server) }, { question: 'Capital of France?', answer: 'Paris.' }, call);
    expect(outputs).toEqual({
      magpie_tags: {
        input_quality: m('good'),
        input_quality_explanation: m('Clear.'),
        judge_quality_score: m('5'),
        judge_quality_explanation: m('Correct.'),
        difficulty: m('very easy'),
        intent: m('learn a fact'),
        knowledge: m('geography'),
        metadata: { label_model: ['test-model'] },
      },
    });
    expect(server.requests.map(taskOf).sort()).toEqual(['difficulty', 'quality', 'sample_quality']);
    const prompts = Object.fromEntries(server.requests.map((request) => [taskOf(request), promptOf(request)]));
    expect(prompts['quality']).toContain('Capital of France?');
    expect(prompts['quality']).not.toContain('Paris.');
    expect(prompts['sample_quality']).toMatch(/Capital of France\?[\s\S]*Paris\./);
    expect(server.requests.every((request) => request.path === '/v1/chat/completions')).toBe(true);
    expect(call.spent).toHaveLength(3);
  });

  test('an answer with no usable label nulls the task tags and keeps `<task>_err` and `<task>_raw`', async () => {
    const server = await start({
      respond: (request) => goodAnswers[taskOf(request)],
      fault: (request) => (taskOf(request) === 'quality' ? { kind: 'garbled' } : undefined),
    });
    const outputs = (await runOf(block, { lm_config: lmConfigOf(server), tasks: ['quality', 'classification'] }, { question: 'q?' })) as { magpie_tags: Record<string, unknown> };
    expect(outputs.magpie_tags).toEqual({
      input_quality: null,
      input_quality_explanation: null,
      task_category: m('Information seeking'),
      metadata: { label_model: ['test-model'], quality_err: 'the answer gives no `input_quality` for the quality task', quality_raw: expect.stringContaining('%% zq') },
    });
  });

  test('a conversation of more than two messages is rated whole; difficulty reads its first request', async () => {
    const server = await tagger();
    const messages = [
      { from: 'user', value: 'Plan a trip.' },
      { from: 'assistant', value: 'Where to?' },
      { from: 'user', value: 'Rome.' },
      { from: 'assistant', value: 'Day 1: the Forum.' },
    ];
    const outputs = (await runOf(block, { lm_config: lmConfigOf(server), tasks: ['conversation quality', 'difficulty'] }, { messages })) as { magpie_tags: Record<string, unknown> };
    expect(outputs.magpie_tags).toMatchObject({ conversation_score: m('4'), conversation_explanation: m('Coherent.'), difficulty: m('very easy') });
    const prompts = Object.fromEntries(server.requests.map((request) => [taskOf(request), promptOf(request)]));
    expect(prompts['conversation_quality']).toContain(
      '\n### User Question: 1\nPlan a trip.\n\n### Assistant Response: 1\nWhere to?\n\n### User Question: 2\nRome.\n\n### Assistant Response: 2\nDay 1: the Forum.\n',
    );
    expect(prompts['difficulty']).toContain('Plan a trip.');
    expect(prompts['difficulty']).not.toContain('Rome.');
  });

  test('a task the record does not suit keeps its error without a call', async () => {
    const server = await tagger();
    const outputs = (await runOf(block, { lm_config: lmConfigOf(server), tasks: ['conversation_quality', 'sample_quality'] }, { question: 'q?' })) as { magpie_tags: Record<string, unknown> };
    expect(outputs.magpie_tags['metadata']).toEqual({
      label_model: ['test-model'],
      conv_quality_err: 'the conversation_quality task needs a conversation of more than two messages',
      sample_quality_err: 'the sample_quality task needs an answer to rate',
    });
    expect(server.requests).toEqual([]);
  });

  test('with an input_map it reads magpie_input and magpie_output; a record with no request is input_missing', async () => {
    const server = await tagger();
    const fields = { lm_config: lmConfigOf(server), tasks: ['sample_quality'], input_map: { instruction: 'magpie_input', response: 'magpie_output' } };
    await runOf(block, fields, { magpie_input: 'Say hi.', magpie_output: 'Hi!', question: 'ignored' });
    expect(promptOf(server.requests[0]!)).toMatch(/Say hi\.[\s\S]*Hi!/);
    expect(await errorOf(runOf(block, fields, { question: 'ignored' }))).toMatchObject({ code: 'input_missing', message: 'block `b` needs `magpie_input` or `magpie_mt_input` to tag, and the record has neither' });
  });

  test('config mistakes are ConfigErrors naming the field', async () => {
    const server = await tagger();
    expect(configErrorOf(block, { lm_config: lmConfigOf(server), tasks: ['quality', 'fluency'] }).field).toBe('blocks.0.tasks.1');
    expect(configErrorOf(block, { lm_config: lmConfigOf(server), tasks: [] }).field).toBe('blocks.0.tasks');
    expect(configErrorOf(block, { tasks: ['quality'] }).field).toBe('blocks.0.lm_config');
    // DGT's builder YAML sets `tag_task: all`, which DGT's tagger ignores.
    expect(() => behaviourOf(block, { lm_config: lmConfigOf(server), tag_task: 'all' })).not.toThrow();
  });

  describe('prompt templates in DGT\'s layout', () => {
    /** A DGT tree in a temp dir: the builder folder, and the tag block's templates two levels up. */
    function dgtTree(templates: Record<string, string>): string {
      const root = tempDir();
      const builder = join(root, 'fms_dgt', 'public', 'databuilders', 'magpie');
      const folder = join(root, 'fms_dgt', 'public', 'blocks', 'magpie', 'tag', 'prompt_templates');
      mkdirSync(builder, { recursive: true });
      mkdirSync(folder, { recursive: true });
      for (const [name, text] of Object.entries(templates)) writeFileSync(join(folder, `${name}.txt`), text);
      return builder;
    }

    test("renders DGT's files ({input}, {output}, literal {{ }}) when the builder folder sits in DGT's tree; missing ones are rxdgt's", async () => {
      const server = await start({ respond: () => '{"score": "4", "input_quality": "good", "explanation": "ok"}' });
      const directory = dgtTree({
        input_quality_rating: 'QUALITY of {input}. Reply {{"input_quality": "..."}}',
        sample_quality_rating: 'SAMPLE {input} -> {output}. Reply {{"score": "1/2/3/4/5"}}',
      });
      const where = { ...context, directory };
      const single = behaviourOf(block, { lm_config: lmConfigOf(server), tasks: ['quality', 'sample_quality'] }, where);
      if (single.kind !== 'transform') throw new Error('magpie_tag is a transform');
      await lastValueFrom(from([single.run({ question: 'Why?', answer: 'Because.' }, callOf())]).pipe(mergeMap((answer) => answer as never)));
      expect(server.requests.map(promptOf).sort()).toEqual(['QUALITY of Why?. Reply {"input_quality": "..."}', 'SAMPLE Why? -> Because.. Reply {"score": "1/2/3/4/5"}']);
      // DGT ships no multi-turn templates: a long conversation is rated with rxdgt's.
      const messages = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }, { role: 'user', content: 'Bye' }];
      await lastValueFrom(from([single.run({ messages }, callOf())]).pipe(mergeMap((answer) => answer as never)));
      expect(server.requests.slice(2).map(promptOf).every((prompt) => prompt.includes('### User Question: 2\nBye'))).toBe(true);
      expect(magpieTemplatePath(directory, 'input_quality_rating')).toBe(join(directory, '..', '..', 'blocks', 'magpie', 'tag', 'prompt_templates', 'input_quality_rating.txt'));
      expect(magpieTemplatePath(directory, 'input_quality_rating_mt')).toBe(join(repoRoot, 'builders', 'magpie', 'tag', 'prompt_templates', 'input_quality_rating_mt.txt'));
    });

    test('a malformed template is a ConfigError naming its file and line', async () => {
      const server = await tagger();
      for (const [text, message] of [
        ['Rate {input} as {"input_quality": "good"}', 'line 1: `{"input_quality": "good"}` is not a plain variable'],
        ['Rate\n{question}', 'line 2: unknown variable `{question}` (this template is given `{input}`, `{output}`)'],
        ['Rate {input} }', 'line 1: a lone `}`'],
      ] as const) {
        const directory = dgtTree({ input_difficulty_rating: text });
        const error = configErrorFrom(() => behaviourOf(block, { lm_config: lmConfigOf(server) }, { ...context, directory }), text);
        expect(error.file).toBe(join(directory, '..', '..', 'blocks', 'magpie', 'tag', 'prompt_templates', 'input_difficulty_rating.txt'));
        expect(error.message).toContain(message);
      }
    });
  });

  test('end to end through blockOperator: writes magpie_tags, and a 500 on any task rejects the record with lm_call_failed', async () => {
    const server = await start({
      respond: (request) => goodAnswers[taskOf(request)],
      fault: (request) => (promptOf(request).includes('boom') && taskOf(request) === 'difficulty' ? { kind: 'status', status: 500 } : undefined),
    });
    const config = { lm_config: lmConfigOf(server), tasks: ['quality', 'difficulty'], output_map: { magpie_tags: 'tags' } };
    const [tagged, failed] = await runBlock(block, config, [record({ question: 'Capital of Peru?' }), record({ question: 'boom' })]);
    expect(tagged).toMatchObject({ status: 'accepted', record: { question: 'Capital of Peru?', tags: { input_quality: m('good'), difficulty: m('very easy') } }, usage: { calls: 2 } });
    expect(failed).toMatchObject({ status: 'rejected', issues: [{ code: 'lm_call_failed', block: 'b' }] });
  });
});
