import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import type { BlockDefinition } from '../../../lib/blocks/block-definition.ts';
import { blockOperator } from '../../../lib/blocks/block-operator.ts';
import { magpieFilterBlock } from '../../../lib/blocks/judges/magpie-filter.ts';
import { magpieTagBlock } from '../../../lib/blocks/judges/magpie-tag.ts';
import { accepted } from '../../../lib/outcome.ts';
import { useTestServers } from '../../helpers/test-servers.ts';
import { callOf, checkOf, configErrorOf, context, lmConfigOf, promptOf, record } from './judge-harness.ts';

const start = useTestServers();
const block = magpieFilterBlock as unknown as BlockDefinition;

const m = (value: unknown) => [{ 'model A': value }, { 'model B': 'ignored' }];
const goodTags = { input_quality: m('good'), judge_quality_score: m('5'), difficulty: m('hard'), task_category: m('Math') };

describe('magpie_filter', () => {
  test("keeps a record whose first model's tags are valid and good enough", async () => {
    expect(await checkOf(block, { filter_type: 'all' }, { question: 'q', answer: 'a', tags: goodTags })).toEqual({ valid: true });
    expect(await checkOf(block, { filter_type: 'all' }, { question: 'q', tags: { input_quality: 'excellent', judge_quality_score: 5 } })).toEqual({ valid: true });
  });

  test('always checks the sample: a request, or a conversation with answered user turns', async () => {
    const conversation = (...messages: unknown[]) => checkOf(block, { filter_type: 'invalid_samples' }, { messages });
    expect(await checkOf(block, { filter_type: 'invalid_scores' }, { answer: 'a' })).toMatchObject({ valid: false, code: 'invalid_sample', metadata: { reason: expect.stringContaining('neither a request') } });
    expect(await conversation({ role: 'system', content: 's' }, { role: 'user', content: 'hi' })).toEqual({ valid: true });
    expect(await conversation({ content: 'hi' })).toMatchObject({ code: 'invalid_sample', reason: expect.stringContaining('no `from`, `role` or `speaker`') });
    expect(await conversation({ role: 'user' })).toMatchObject({ code: 'invalid_sample', reason: expect.stringContaining('no `value`, `content` or `text`') });
    expect(await conversation({ role: 'narrator', text: 'x' })).toMatchObject({ code: 'invalid_sample', reason: 'block `b`: an utterance has the unsupported role "narrator"' });
    expect(await conversation({ role: 'assistant', content: 'x' })).toMatchObject({ reason: 'block `b`: the conversation has no user utterance' });
    expect(await conversation({ from: 'user', value: 'a' }, { from: 'gpt', value: 'b' })).toMatchObject({ reason: 'block `b`: an utterance has the unsupported role "gpt"' });
    expect(await conversation({ speaker: 'user', text: 'a' }, { speaker: 'agent', text: 'b' }, { speaker: 'user', text: 'c' })).toMatchObject({
      reason: 'block `b`: the conversation has 2 user and 1 assistant utterances',
    });
  });

  test('invalid_scores rejects a tag off its scale, such as a failed tagging task', async () => {
    const verdict = await checkOf(block, { filter_type: 'invalid_scores' }, { question: 'q', tags: { ...goodTags, input_quality: null } });
    expect(verdict).toEqual({ valid: false, code: 'invalid_score', reason: 'block `b`: the tag `input_quality` holds null, not one of very poor, poor, average, good, excellent', metadata: { reason: verdict.valid ? '' : verdict.reason } });
    expect(await checkOf(block, { filter_type: 'invalid_scores' }, { question: 'q', tags: { judge_quality_score: m('7') } })).toMatchObject({ code: 'invalid_score' });
    // Qualification is not checked without high_quality_filter.
    expect(await checkOf(block, { filter_type: 'invalid_scores' }, { question: 'q', tags: { input_quality: m('poor') } })).toEqual({ valid: true });
  });

  test('high_quality_filter applies the criteria, each defaulting to Magpie’s', async () => {
    const check = (tags: Record<string, unknown>, fields: Record<string, unknown> = {}) => checkOf(block, { filter_type: ['high_quality_filter'], ...fields }, { question: 'q', tags });
    expect(await check({ input_quality: m('average') })).toMatchObject({ code: 'low_quality', reason: 'block `b`: the tag `input_quality` is "average", not one of good, excellent' });
    expect(await check({ judge_quality_score: m('4') })).toMatchObject({ code: 'low_quality' });
    expect(await check({ judge_quality_score: m('4'), input_quality: m('average') }, { filter_criteria: { sample_quality: [4, 5], input_quality: ['average'] } })).toEqual({ valid: true });
    expect(await check({ difficulty: m('very easy') }, { filter_criteria: { difficulty: ['hard', 'very hard'] } })).toMatchObject({ code: 'low_quality' });
    expect(await check({ input_quality: m('superb') })).toMatchObject({ code: 'low_quality' });
  });

  test('drops a duplicate (min_similar_uuid names another record) unless remove_duplicates is false; rxdgt_id stands in for a missing id', async () => {
    const check = (input: Record<string, unknown>, fields: Record<string, unknown> = {}) => checkOf(block, { filter_type: 'high_quality_filter', ...fields }, { question: 'q', ...input }, callOf('7-ab'));
    expect(await check({ id: 'u2', tags: { min_similar_uuid: 'u1' } })).toMatchObject({ code: 'duplicate', reason: 'block `b`: the record repeats record "u1" (its min_similar_uuid)' });
    expect(await check({ id: 'u1', tags: { min_similar_uuid: 'u1' } })).toEqual({ valid: true });
    expect(await check({ tags: { min_similar_uuid: '7-ab' } })).toEqual({ valid: true });
    expect(await check({ tags: { min_similar_uuid: null } })).toEqual({ valid: true });
    expect(await check({ id: 'u2', tags: { min_similar_uuid: 'u1' } }, { remove_duplicates: false })).toEqual({ valid: true });
  });

  test('with an input_map it reads magpie_input and field; without one, magpie_tags stands in for tags', async () => {
    const mapped = { filter_type: 'all', input_map: { prompt: 'magpie_input', magpie_tags: 'field' } };
    expect(await checkOf(block, mapped, { magpie_input: 'q', field: { input_quality: m('poor') }, tags: goodTags })).toMatchObject({ code: 'low_quality' });
    expect(await checkOf(block, { filter_type: 'all' }, { question: 'q', magpie_tags: { input_quality: m('poor') } })).toMatchObject({ code: 'low_quality' });
  });

  test('config mistakes are ConfigErrors naming the field', () => {
    expect(configErrorOf(block, {}).field).toBe('blocks.0.filter_type');
    expect(configErrorOf(block, { filter_type: 'strict' }).field).toBe('blocks.0.filter_type');
    expect(configErrorOf(block, { filter_type: 'all', filter_criteria: { quality: ['good'] } }).field).toBe('blocks.0.filter_criteria.quality');
  });

  test('end to end: magpie_tag then magpie_filter through blockOperator keeps the well-rated records', async () => {
    const server = await start({
      respond: (request) => {
        const prompt = promptOf(request);
        const quality = prompt.includes('blorp') ? 'very poor' : 'excellent';
        return prompt.includes('"input_quality"') ? `{"explanation": "x", "input_quality": "${quality}"}` : '{"score": "5", "explanation": "x"}';
      },
    });
    const tag = blockOperator(magpieTagBlock as unknown as BlockDefinition, { name: 'tag', type: 'magpie_tag', lm_config: lmConfigOf(server), tasks: ['quality', 'sample_quality'] }, context);
    const filter = blockOperator(block, { name: 'magpie', type: 'magpie_filter', filter: true, filter_type: 'all', input_map: { question: 'magpie_input', magpie_tags: 'field' } }, context);
    const records = [record({ question: 'What is 2+2?', answer: '4' }), record({ question: 'blorp?', answer: '?' })];
    const outcomes = await lastValueFrom(from(records.map((each, index) => accepted(`${index}-x`, each))).pipe(tag, filter, toArray()));
    const byId = Object.fromEntries(outcomes.map((outcome) => [outcome.id, outcome]));
    expect(byId['0-x']).toMatchObject({ status: 'accepted', record: { magpie_tags: { input_quality: [{ 'test-model': 'excellent' }], judge_quality_score: [{ 'test-model': '5' }] } } });
    expect(byId['1-x']).toMatchObject({ status: 'rejected', issues: [{ code: 'low_quality', block: 'magpie', message: 'block `magpie`: the tag `input_quality` is "very poor", not one of good, excellent' }] });
  });
});
