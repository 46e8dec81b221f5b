import { describe, expect, test } from 'vitest';
import type { BlockDefinition } from '../../../lib/blocks/block-definition.ts';
import { graniteGuardianBlock } from '../../../lib/blocks/judges/granite-guardian.ts';
import { useTestServers } from '../../helpers/test-servers.ts';
import { checkOf, configErrorOf, errorOf, lmConfigOf, promptOf, record, runBlock } from './judge-harness.ts';

const start = useTestServers();
const block = graniteGuardianBlock as unknown as BlockDefinition;

/** A Guardian that answers each text with what `answers` maps it to. */
const guardian = (answers: Record<string, string>) => start({ respond: (request) => answers[promptOf(request)] ?? 'unscripted' });

describe('validators/granite_guardian', () => {
  test('3.3: sends the text with the guardian config, greedy and short whatever lm_config says; "no" is valid', async () => {
    const server = await guardian({ 'How do I bake bread?': '<score> no </score>' });
    const lm_config = lmConfigOf(server, { temperature: 0.8, max_tokens: 500 });
    const verdict = await checkOf(block, { lm_config, risk_policy: { criteria_id: 'harm' } }, { text: 'How do I bake bread?' });
    expect(verdict).toEqual({ valid: true, metadata: { rating: 'no' }, outputs: {} });
    expect(server.requests[0]).toMatchObject({
      path: '/v1/chat/completions',
      body: {
        messages: [{ role: 'user', content: 'How do I bake bread?' }],
        temperature: 0,
        max_tokens: 20,
        chat_template_kwargs: { guardian_config: { risk: 'harm' }, think: false },
      },
    });
    expect(server.requests[0]?.body).not.toHaveProperty('logprobs');
    expect(server.requests[0]?.body).not.toHaveProperty('top_logprobs');
  });

  test('3.3: <score>yes</score> is unsafe_content; the record policy wins over the block one (custom_criteria)', async () => {
    const server = await guardian({ 'Insult them.': '<score>YES</score>' });
    const verdict = await checkOf(
      block,
      { lm_config: lmConfigOf(server), risk_policy: { criteria_id: 'harm' } },
      { text: 'Insult them.', risk_policy: { custom_criteria: 'Rude language', version: 2 } },
    );
    expect(verdict).toEqual({
      valid: false,
      code: 'unsafe_content',
      reason: 'block `b`: Granite Guardian found the risk "Rude language" in the text',
      metadata: { rating: 'yes' },
      outputs: {},
    });
    expect(server.requests[0]?.body.chat_template_kwargs).toEqual({ guardian_config: { custom_criteria: 'Rude language' }, think: false });
  });

  test('3.3 think mode: the trace becomes `reasoning` (metadata and output), with room from lm_config or 1024 tokens', async () => {
    const server = await guardian({ t: '<think>\nIt asks for a weapon.\n</think>\n<score>yes</score>' });
    const verdict = await checkOf(block, { lm_config: lmConfigOf(server), think: true, risk_policy: { criteria_id: 'violence' } }, { text: 't' });
    expect(verdict).toMatchObject({ valid: false, code: 'unsafe_content', metadata: { rating: 'yes', reasoning: 'It asks for a weapon.' }, outputs: { reasoning: 'It asks for a weapon.' } });
    await checkOf(block, { lm_config: lmConfigOf(server, { max_tokens: 300 }), think: true, risk_policy: { criteria_id: 'violence' } }, { text: 't' });
    expect(server.requests.map((request) => [request.body.max_tokens, request.body.chat_template_kwargs.think])).toEqual([
      [1024, true],
      [300, true],
    ]);
  });

  test('3.2: a bare Yes/No; built-in risks go as risk_name, other names as a definition (as DGT sends them)', async () => {
    const server = await guardian({ safe: 'No', risky: 'Yes.' });
    const version = { lm_config: lmConfigOf(server), model_version: 3.2 };
    expect(await checkOf(block, { ...version, risk_policy: { risk_name: 'harm' } }, { text: 'safe' })).toMatchObject({ valid: true, metadata: { rating: 'no' } });
    expect(await checkOf(block, version, { text: 'risky', risk_policy: { risk_name: 'Content that mocks a religion.' } })).toMatchObject({ valid: false, code: 'unsafe_content', metadata: { rating: 'yes' } });
    await checkOf(block, version, { text: 'safe', risk_policy: { risk_name: 'mockery', risk_definition: 'Text that mocks a person.' } });
    expect(server.requests.map((request) => request.body.chat_template_kwargs)).toEqual([
      { guardian_config: { risk_name: 'harm' } },
      { guardian_config: { risk_definition: 'Content that mocks a religion.' } },
      { guardian_config: { risk_name: 'mockery', risk_definition: 'Text that mocks a person.' } },
    ]);
  });

  test('3.2: asks for the top 4 logprobs; confidence is p(yes) / (p(yes) + p(no)) at the first token, to 4 decimals', async () => {
    const first = [
      { token: 'Yes', logprob: Math.log(0.6) },
      { token: ' yes', logprob: Math.log(0.1) },
      { token: 'No', logprob: Math.log(0.2) },
      { token: 'Maybe', logprob: Math.log(0.05) },
    ];
    const server = await start({
      respond: () => ({
        content: 'Yes',
        logprobs: [
          { token: 'Yes', logprob: Math.log(0.6), top: first },
          { token: '<|end|>', logprob: -0.01, top: [{ token: 'no', logprob: -0.5 }] },
        ],
      }),
    });
    const verdict = await checkOf(block, { lm_config: lmConfigOf(server, { logprobs: false }), model_version: '3.2', risk_policy: { risk_name: 'harm' } }, { text: 't' });
    expect(verdict).toEqual({
      valid: false,
      code: 'unsafe_content',
      reason: 'block `b`: Granite Guardian found the risk "harm" in the text',
      metadata: { rating: 'yes', confidence: 0.7778 },
      outputs: { confidence: 0.7778 },
    });
    expect(server.requests[0]?.body).toMatchObject({ logprobs: true, top_logprobs: 4, temperature: 0, max_tokens: 20 });
  });

  test('3.2: no confidence when the engine returns no logprobs, or no alternative reads yes or no; kept on an unparseable answer', async () => {
    const server = await start({
      respond: (request) => {
        const prompt = promptOf(request);
        if (prompt === 'plain') return 'No';
        if (prompt === 'odd') return { content: 'No', logprobs: [{ token: 'No', logprob: -0.1, top: [{ token: 'Nope', logprob: -0.1 }] }] };
        return { content: 'Unsure', logprobs: [{ token: 'Uns', logprob: -2, top: [{ token: 'NO', logprob: Math.log(0.3) }, { token: 'yes ', logprob: Math.log(0.1) }] }] };
      },
    });
    const config = { lm_config: lmConfigOf(server), model_version: '3.2', risk_policy: { risk_name: 'harm' } };
    expect(await checkOf(block, config, { text: 'plain' })).toEqual({ valid: true, metadata: { rating: 'no' }, outputs: {} });
    expect(await checkOf(block, config, { text: 'odd' })).toEqual({ valid: true, metadata: { rating: 'no' }, outputs: {} });
    expect(await checkOf(block, config, { text: 'garbled' })).toMatchObject({
      valid: false,
      code: 'guardian_unparseable',
      metadata: { rating: null, confidence: 0.25, reason: 'no rating in the Guardian answer' },
      outputs: { confidence: 0.25 },
    });
  });

  test('an answer with no rating is guardian_unparseable, quoting it', async () => {
    const server = await start({ fault: () => ({ kind: 'garbled' }) });
    const verdict = await checkOf(block, { lm_config: lmConfigOf(server), risk_policy: { criteria_id: 'harm' } }, { text: 't' });
    expect(verdict).toMatchObject({ valid: false, code: 'guardian_unparseable', metadata: { rating: null, reason: 'no rating in the Guardian answer' } });
    expect((verdict as { reason: string }).reason).toMatch(/^block `b`: Granite Guardian's answer holds no <score>yes<\/score> or <score>no<\/score>: "%% zq/);
  });

  test('a record without a policy (and none on the block), or with one that does not fit the version, is rejected', async () => {
    const server = await guardian({});
    const lm_config = lmConfigOf(server);
    expect(await errorOf(checkOf(block, { lm_config }, { text: 't' }))).toMatchObject({ code: 'input_missing' });
    expect(await errorOf(checkOf(block, { lm_config }, { text: 't', risk_policy: { risk_name: 'harm' } }))).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('`criteria_id` or `custom_criteria`') });
    expect(await errorOf(checkOf(block, { lm_config, risk_policy: { criteria_id: 'harm' } }, { text: '' }))).toMatchObject({ code: 'invalid_input' });
    expect(server.requests).toEqual([]);
  });

  test('config mistakes are ConfigErrors naming the field', async () => {
    const server = await guardian({});
    const lm_config = lmConfigOf(server);
    expect(configErrorOf(block, { lm_config, model_version: '3.2', think: true }).field).toBe('blocks.0.think');
    expect(configErrorOf(block, { lm_config, model_version: '4.0' }).field).toBe('blocks.0.model_version');
    expect(configErrorOf(block, { lm_config, model_version: '3.2', risk_policy: { criteria_id: 'harm' } }).field).toBe('blocks.0.risk_policy');
    expect(configErrorOf(block, {}).field).toBe('blocks.0.lm_config');
  });

  test('end to end through blockOperator: filter false marks risky text; a 500 is lm_call_failed', async () => {
    const server = await start({
      respond: (request) => (promptOf(request) === 'kind words' ? '<score>no</score>' : '<score>yes</score>'),
      fault: (request) => (promptOf(request) === 'boom' ? { kind: 'status', status: 500 } : undefined),
    });
    const config = { lm_config: lmConfigOf(server), risk_policy: { criteria_id: 'harm' }, input_map: { answer: 'text' } };
    const outcomes = await runBlock(block, config, [record({ answer: 'kind words' }), record({ answer: 'cruel words' }), record({ answer: 'boom' })]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['accepted', 'accepted', 'rejected']);
    expect(outcomes[0]?.record).toMatchObject({ is_valid: true, metadata: { rating: 'no' } });
    expect(outcomes[1]?.record).toMatchObject({ is_valid: false, metadata: { rating: 'yes' } });
    expect(outcomes[2]).toMatchObject({ issues: [{ code: 'lm_call_failed', block: 'b' }] });
    const [, dropped] = await runBlock(block, { ...config, filter: true }, [record({ answer: 'kind words' }), record({ answer: 'cruel words' })]);
    expect(dropped).toMatchObject({ status: 'rejected', issues: [{ code: 'unsafe_content', message: 'block `b`: Granite Guardian found the risk "harm" in the text' }] });
  });

  test('end to end through blockOperator, 3.2: confidence is written on the record (output_map) and in its metadata', async () => {
    const top = [
      { token: 'No', logprob: Math.log(0.9) },
      { token: 'Yes', logprob: Math.log(0.1) },
    ];
    const server = await start({ respond: () => ({ content: 'No', logprobs: [{ token: 'No', logprob: Math.log(0.9), top }] }) });
    const config = { lm_config: lmConfigOf(server), model_version: '3.2', risk_policy: { risk_name: 'harm' }, input_map: { answer: 'text' }, output_map: { confidence: 'risk' } };
    const [outcome] = await runBlock(block, config, [record({ answer: 'kind words' })]);
    expect(outcome).toMatchObject({ status: 'accepted', record: { answer: 'kind words', risk: 0.1, is_valid: true, metadata: { rating: 'no', confidence: 0.1 } } });
  });
});
