import { describe, expect, test } from 'vitest';
import { lmJudgeBlock } from '../../../lib/blocks/judges/lm-judge.ts';
import type { BlockDefinition } from '../../../lib/blocks/block-definition.ts';
import { createEngine } from '../../../lib/model/engine.ts';
import { FakeLanguageModel } from '../../../lib/testing/fake-language-model.ts';
import type { TestServer } from '../../../lib/testing/test-server.ts';
import { useTestServers } from '../../helpers/test-servers.ts';
import { behaviourOf, callOf, checkOf, configErrorOf, contextWith, errorOf, lmConfigOf, promptOf, record, runBlock } from './judge-harness.ts';

const start = useTestServers();
const block = lmJudgeBlock as unknown as BlockDefinition;

/** A server that answers each prompt with what `answers` maps it to. */
const answering = (answers: Record<string, string>) => start({ respond: (request) => answers[promptOf(request)] ?? 'unscripted' });

const judgeOf = (server: TestServer, fields: Record<string, unknown>) => ({ lm_config: lmConfigOf(server), ...fields });

describe('lm_judge', () => {
  test('sends the input as a chat message with the lm_config parameters, and passes an answer that equals the rule', async () => {
    const server = await answering({ 'Is 2+2=4? Say YES or NO.': ' yes\n' });
    const call = callOf();
    const verdict = await checkOf(block, judgeOf(server, { lm_config: lmConfigOf(server, { temperature: 0, max_tokens: 5 }), success: { equals: 'YES' } }), { input: 'Is 2+2=4? Say YES or NO.' }, call);
    expect(verdict).toEqual({ valid: true, metadata: { judge_output: ' yes\n' }, outputs: { result: ' yes\n' } });
    expect(server.requests.map((request) => request.path)).toEqual(['/v1/chat/completions']);
    expect(server.requests[0]?.body).toMatchObject({ model: 'test-model', messages: [{ role: 'user', content: 'Is 2+2=4? Say YES or NO.' }], temperature: 0, max_tokens: 5 });
    expect(call.spent).toEqual([expect.objectContaining({ calls: 1, promptTokens: 6, completionTokens: 1 })]);
  });

  test("without `success` (DGT's YAML leaves it to the builder) the block loads, and as a step rejects each record saying why, asking nothing", async () => {
    const server = await answering({});
    const failure = await errorOf(checkOf(block, judgeOf(server, {}), { input: 'q' }));
    expect(failure).toMatchObject({ code: 'judge_without_success', message: 'block `b` has no `success` rule: give one (equals, pattern, or min/max) to run it as a step' });
    expect(server.requests).toEqual([]);
  });

  test('rejects an answer that is not the expected one, quoting it', async () => {
    const server = await answering({ q: 'NO, because the sum is wrong' });
    const verdict = await checkOf(block, judgeOf(server, { success: { equals: ['YES', 'Y'], ignore_case: false } }), { input: 'q' });
    expect(verdict).toMatchObject({
      valid: false,
      code: 'judge_rejected',
      reason: 'block `b`: the judge answered "NO, because the sum is wrong", not "YES" or "Y"',
      outputs: { result: 'NO, because the sum is wrong' },
    });
  });

  test('reads a JSON field of the answer; a garbled answer is judge_unparseable, quoting what was read', async () => {
    const server = await start({
      respond: (request) => (promptOf(request) === 'good' ? 'Sure: ```json\n{"verdict": "Yes", "why": "fine"}\n```' : '{"why": "no verdict"}'),
      fault: (request) => (promptOf(request) === 'garbled' ? { kind: 'garbled' } : undefined),
    });
    const fields = judgeOf(server, { success: { field: 'verdict', equals: 'yes' } });
    expect(await checkOf(block, fields, { input: 'good' })).toMatchObject({ valid: true });
    const garbled = await checkOf(block, fields, { input: 'garbled' });
    expect(garbled).toMatchObject({ valid: false, code: 'judge_unparseable', outputs: { result: expect.stringContaining('%% zq') } });
    expect((garbled as { reason: string }).reason).toMatch(/^block `b`: the judge's answer is not JSON \(.+\): "%% zq ~~/);
    expect(await checkOf(block, fields, { input: 'missing' })).toMatchObject({
      valid: false,
      code: 'judge_unparseable',
      reason: 'block `b`: the judge\'s answer has no field `verdict`: "{\\"why\\": \\"no verdict\\"}"',
    });
  });

  test('a pattern with min/max reads a score, written as the `score` output', async () => {
    const server = await answering({ a: 'Reasoning... Score: 4', b: 'Score: 2', c: 'I cannot rate this.' });
    const fields = judgeOf(server, { success: { pattern: 'score:\\s*(\\d+)', min: 3 } });
    expect(await checkOf(block, fields, { input: 'a' })).toMatchObject({ valid: true, outputs: { result: 'Reasoning... Score: 4', score: 4 } });
    expect(await checkOf(block, fields, { input: 'b' })).toMatchObject({ valid: false, code: 'judge_rejected', reason: 'block `b`: the judge scored 2, which is not at least 3', outputs: { score: 2 } });
    expect(await checkOf(block, fields, { input: 'c' })).toMatchObject({ valid: false, code: 'judge_unparseable', reason: 'block `b`: the judge\'s answer has no score matching /score:\\s*(\\d+)/: "I cannot rate this."' });
  });

  test('a pattern alone must match (case ignored by default)', async () => {
    const server = await answering({ a: 'yes, it is right', b: 'Nope' });
    const fields = judgeOf(server, { success: { pattern: '^YES\\b' } });
    expect(await checkOf(block, fields, { input: 'a' })).toMatchObject({ valid: true });
    expect(await checkOf(block, fields, { input: 'b' })).toMatchObject({ valid: false, code: 'judge_rejected', reason: 'block `b`: the judge\'s answer "Nope" does not match /^YES\\b/' });
  });

  test('chat messages and per-record gen_kwargs (DGT names) make the request; completion joins the messages', async () => {
    const server = await start({ respond: () => 'YES' });
    const messages = [
      { role: 'system', content: 'You are a strict grader.' },
      { role: 'user', content: 'Grade it.' },
    ];
    const gen_kwargs = { max_new_tokens: 3, stop: '\n', random_seed: 7, extra_body: { chat_template_kwargs: { thinking: false } } };
    await checkOf(block, judgeOf(server, { success: { equals: 'YES' } }), { input: messages, gen_kwargs });
    await checkOf(block, judgeOf(server, { success: { equals: 'YES' }, method: 'completion' }), { input: messages });
    expect(server.requests[0]).toMatchObject({ path: '/v1/chat/completions', body: { messages, max_tokens: 3, stop: ['\n'], seed: 7, chat_template_kwargs: { thinking: false } } });
    expect(server.requests[1]).toMatchObject({ path: '/v1/completions', body: { prompt: 'You are a strict grader.\n\nGrade it.' } });
  });

  test("DGT's success_func from code: a boolean or a [valid, metadata] pair; a throwing one makes the answer unparseable", async () => {
    const server = await answering({ q: 'VAGUE' });
    const pair = (answer: string) => [answer !== 'VAGUE', { reason: 'the judge found the answer vague', severity: 2 }] as const;
    expect(await checkOf(block, judgeOf(server, { success: pair }), { input: 'q' })).toMatchObject({
      valid: false,
      code: 'judge_rejected',
      reason: 'block `b`: the judge found the answer vague',
      metadata: { judge_output: 'VAGUE', reason: 'the judge found the answer vague', severity: 2 },
    });
    expect(await checkOf(block, judgeOf(server, { success: (answer: string) => answer === 'VAGUE' }), { input: 'q' })).toMatchObject({ valid: true });
    const throwing = () => {
      throw new Error('bad shape');
    };
    expect(await checkOf(block, judgeOf(server, { success: throwing }), { input: 'q' })).toMatchObject({
      valid: false,
      code: 'judge_unparseable',
      reason: 'block `b`: the success function failed on the judge\'s answer "VAGUE": bad shape',
    });
  });

  test('a malformed input or gen_kwargs rejects the record with invalid_input, naming the field', async () => {
    const server = await answering({});
    const fields = judgeOf(server, { success: { equals: 'YES' } });
    expect(await errorOf(checkOf(block, fields, { input: 42 }))).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('input `input` must be a prompt string') });
    expect(await errorOf(checkOf(block, fields, { input: 'q', gen_kwargs: { max_tokns: 3 } }))).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('`gen_kwargs`') });
    expect(server.requests).toEqual([]);
  });

  test('config mistakes are ConfigErrors naming the field', async () => {
    const server = await answering({});
    expect(configErrorOf(block, { success: { equals: 'YES' } }).field).toBe('blocks.0.lm_config');
    expect(configErrorOf(block, { lm_config: { model_id_or_path: 'm' }, success: { equals: 'YES' } }).field).toBe('blocks.0.lm_config.type');
    expect(configErrorOf(block, { lm_config: { type: 'openai', base_url: server.baseURL }, success: { equals: 'YES' } }).field).toBe('blocks.0.lm_config.model_id_or_path');
    expect(configErrorOf(block, judgeOf(server, { success: { equals: 'YES', pattern: 'Y' } })).message).toContain('give one test');
    expect(configErrorOf(block, judgeOf(server, { success: { pattern: '(' } })).field).toBe('blocks.0.success.pattern');
    expect(configErrorOf(block, judgeOf(server, { success: { pattern: 'score: \\d', max: 3 } })).message).toContain('needs a group');
    expect(configErrorOf(block, judgeOf(server, { success: { equal: 'YES' } })).message).toMatch(/equal/);
  });

  test('unsubscribing aborts the judge call', async () => {
    const model = new FakeLanguageModel({ answers: 'YES', latencyMs: 10_000 });
    const behaviour = behaviourOf(block, { lm_config: { type: 'openai' }, success: { equals: 'YES' } }, contextWith(createEngine(model)));
    if (behaviour.kind !== 'validator') throw new Error('expected a validator');
    const answer = behaviour.check({ input: 'q' }, callOf());
    const subscription = (answer as import('rxjs').Observable<unknown>).subscribe();
    await new Promise((resolve) => setTimeout(resolve, 20));
    subscription.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(model.calls).toHaveLength(1);
    expect(model.aborted).toBe(1);
  });

  test('end to end through blockOperator: filters, writes `result`, marks with filter false, and files a 500 as lm_call_failed', async () => {
    const server = await start({
      respond: (request) => (promptOf(request).includes('Paris') ? 'YES' : 'NO'),
      fault: (request) => (promptOf(request).includes('boom') ? { kind: 'status', status: 500 } : undefined),
    });
    const records = [record({ judge_prompt: 'Paris is in France?' }), record({ judge_prompt: 'Lyon is in Spain?' }), record({ judge_prompt: 'boom' })];
    const config = { lm_config: lmConfigOf(server), success: { equals: 'YES' }, input_map: { judge_prompt: 'input' }, output_map: { result: 'verdict' } };
    const [kept, dropped, failed] = await runBlock(block, { ...config, filter: true }, records);
    expect(kept).toMatchObject({ status: 'accepted', record: { judge_prompt: 'Paris is in France?', verdict: 'YES' }, usage: { calls: 1 } });
    expect(dropped).toMatchObject({ status: 'rejected', issues: [{ code: 'judge_rejected', block: 'b', message: 'block `b`: the judge answered "NO", not "YES"' }] });
    expect(failed).toMatchObject({ status: 'rejected', issues: [{ code: 'lm_call_failed', block: 'b', message: expect.stringContaining('500') }] });
    const [, marked] = await runBlock(block, config, records.slice(0, 2));
    expect(marked).toMatchObject({ status: 'accepted', record: { verdict: 'NO', is_valid: false, metadata: { judge_output: 'NO' } } });
  });
});
