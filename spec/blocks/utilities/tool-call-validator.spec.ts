import { describe, expect, it } from 'vitest';
import { toolCallValidatorBlock } from '../../../lib/blocks/utilities/tool-call-validator.ts';
import { checkOf, configErrorOf, record, runBlock } from './utility-harness.ts';

const weather = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const clock = { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } };
const paris = JSON.stringify([{ name: 'get_weather', arguments: { city: 'Paris' } }]);

describe('tool_call_validator', () => {
  it("reads the catalogue from the record, else from the block's `tools`", () => {
    expect(checkOf(toolCallValidatorBlock, {}, { answer: paris, tools: [weather], question: 'Weather in Paris?' })).toEqual({ valid: true });
    expect(checkOf(toolCallValidatorBlock, { tools: [weather] }, { answer: paris, question: 'Weather in Paris?' })).toEqual({ valid: true });
    expect(checkOf(toolCallValidatorBlock, { tools: [weather] }, { answer: paris, tools: [clock], question: 'Weather in Paris?' })).toMatchObject({ code: 'tool_unknown' });
  });

  it('fails a record when neither it nor the block has a catalogue', () => {
    expect(() => checkOf(toolCallValidatorBlock, {}, { answer: paris, question: 'Paris' })).toThrow('no tool catalogue: the record has no `tools` and the block sets none');
  });

  it('takes the rules from the block, and from the record over the block', () => {
    const rome = JSON.stringify([{ name: 'get_weather', arguments: { city: 'Rome' } }]);
    expect(checkOf(toolCallValidatorBlock, { tools: [weather] }, { answer: rome, question: 'Weather in Paris?' })).toMatchObject({ code: 'argument_not_grounded' });
    expect(checkOf(toolCallValidatorBlock, { tools: [weather], check_arg_question_overlap: false }, { answer: rome, question: 'Weather in Paris?' })).toEqual({ valid: true });
    expect(checkOf(toolCallValidatorBlock, { tools: [weather], check_arg_question_overlap: false }, { answer: rome, check_arg_question_overlap: true })).toMatchObject({
      code: 'argument_not_grounded',
    });
    expect(checkOf(toolCallValidatorBlock, { tools: [weather] }, { answer: paris, question: 'Paris', multi_output: true })).toMatchObject({ code: 'tool_calls_too_few' });
    expect(checkOf(toolCallValidatorBlock, { tools: [weather] }, { answer: paris, question: null, ignore_types: null, check_arg_question_overlap: false })).toEqual({ valid: true });
  });

  it('grounds arguments in an empty question when the record has none', () => {
    expect(checkOf(toolCallValidatorBlock, { tools: [weather] }, { answer: paris })).toMatchObject({ code: 'argument_not_grounded' });
  });

  it('fails a record whose rule fields have the wrong type, naming the field', () => {
    expect(() => checkOf(toolCallValidatorBlock, { tools: [weather] }, { answer: paris, multi_output: 'yes' })).toThrow('`multi_output` of the record is not true or false');
    expect(() => checkOf(toolCallValidatorBlock, {}, { answer: paris, tools: 'get_weather' })).toThrow('`tools` of the record is not a list of tool objects');
    expect(() => checkOf(toolCallValidatorBlock, { tools: [weather] }, { answer: paris, question: 3 })).toThrow('`question` of the record is not a text');
  });

  it('rejects a config with ill-typed or unknown fields', () => {
    expect(configErrorOf(toolCallValidatorBlock, { tools: 'get_weather' }).field).toBe('blocks.0.tools');
    expect(configErrorOf(toolCallValidatorBlock, { tools: ['get_weather'] }).field).toBe('blocks.0.tools.0');
    expect(configErrorOf(toolCallValidatorBlock, { ignore_types: [1] }).field).toBe('blocks.0.ignore_types.0');
    expect(configErrorOf(toolCallValidatorBlock, { allow_nested: 'yes' }).field).toBe('blocks.0.allow_nested');
    expect(configErrorOf(toolCallValidatorBlock, { question: 'q' }).message).toContain('unknown field');
  });

  it('filters through input_map, and marks through output_map when not filtering', async () => {
    const calls = [paris, JSON.stringify([{ name: 'get_weather', arguments: { city: 'Rome' } }])];
    const records = calls.map((answer) => record({ utterance: 'Weather in Paris?', calls: answer }));
    const config = { tools: [weather], input_map: { utterance: 'question', calls: 'answer' } };
    const [kept, dropped] = await runBlock(toolCallValidatorBlock, { ...config, filter: true }, records);
    expect(kept).toMatchObject({ status: 'accepted', record: records[0] });
    expect(dropped).toMatchObject({
      status: 'rejected',
      issues: [{ code: 'argument_not_grounded', block: 'b', message: 'argument `city` of tool call 1 (`get_weather`) is `"Rome"`, which the question does not mention' }],
    });
    const [, marked] = await runBlock(toolCallValidatorBlock, { ...config, output_map: { is_valid: 'checks.calls_ok', metadata: 'checks.calls' } }, records);
    expect(marked).toMatchObject({ status: 'accepted', record: { checks: { calls_ok: false, calls: { argument_name: 'city', argument_value: 'Rome' } } } });
  });
});
