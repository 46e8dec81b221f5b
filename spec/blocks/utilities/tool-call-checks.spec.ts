import { describe, expect, it } from 'vitest';
import { type ToolCallRules, checkToolCalls } from '../../../lib/blocks/utilities/tool-call-checks.ts';

const weather = {
  name: 'get_weather',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer' }, metric: { type: 'boolean' }, when: { type: 'string' } },
    required: ['city'],
  },
  output_parameters: { properties: { temperature: { type: 'number' }, city: { type: 'string' } } },
};
const convert = {
  name: 'convert_temperature',
  parameters: { type: 'object', properties: { value: { type: 'number' } }, required: ['value'] },
  output_parameters: { properties: { result: { type: 'number' } } },
};
const describeCity = { name: 'describe_city', parameters: { type: 'object', properties: { name: { type: 'string' } } } };

const rules = (changes: Partial<ToolCallRules> = {}): ToolCallRules => ({
  tools: [weather, convert, describeCity],
  question: 'What is the weather in Paris for 3 days?',
  checkArgQuestionOverlap: true,
  requireNested: false,
  allowNested: false,
  multiOutput: false,
  validateQuestion: true,
  ignoreTypes: ['boolean'],
  ...changes,
});
const json = (...calls: unknown[]) => JSON.stringify(calls);
const paris = { name: 'get_weather', arguments: { city: 'Paris', days: 3 } };

describe('checkToolCalls', () => {
  it('accepts grounded calls as JSON, as a Python literal, or already parsed', () => {
    expect(checkToolCalls(json(paris), rules())).toEqual({ valid: true });
    expect(checkToolCalls([paris], rules())).toEqual({ valid: true });
    expect(checkToolCalls("[{'name': 'get_weather', 'arguments': {'city': 'Paris', 'metric': True}}]", rules())).toEqual({ valid: true });
    // DGT turns `: true` into `: True` before reading the text as Python.
    expect(checkToolCalls("[{'name': 'get_weather', 'arguments': {'city': 'paris', 'metric': true}}]", rules())).toEqual({ valid: true });
    expect(checkToolCalls('[]', rules())).toEqual({ valid: true });
  });

  it('rejects an answer that is neither JSON nor a Python literal', () => {
    for (const answer of ['call get_weather(Paris)', 'null', null]) {
      expect(checkToolCalls(answer, rules())).toMatchObject({ valid: false, code: 'tool_calls_unparsable', reason: '`answer` is neither JSON nor a Python literal, so it holds no tool calls' });
    }
  });

  it('rejects an answer that is not a list of objects', () => {
    expect(checkToolCalls(JSON.stringify(paris), rules())).toMatchObject({ code: 'tool_calls_malformed', reason: '`answer` holds an object, expected a list of tool calls' });
    expect(checkToolCalls(json(paris, 'get_weather'), rules())).toMatchObject({ code: 'tool_calls_malformed', reason: 'item 2 of `answer` is a string, expected a tool call object' });
  });

  it('rejects a call repeated exactly, and two calls sharing an id', () => {
    expect(checkToolCalls(json(paris, paris), rules())).toMatchObject({ code: 'tool_calls_duplicated', reason: 'tool call 2 repeats tool call 1 exactly' });
    const first = { ...paris, id: '$1' };
    const second = { name: 'get_weather', arguments: { city: 'Paris' }, id: '$1' };
    expect(checkToolCalls(json(first, second), rules())).toMatchObject({ code: 'tool_calls_duplicated', reason: 'two tool calls share the id `$1`' });
    expect(checkToolCalls(json({ ...paris, id: '' }, { ...paris, arguments: { city: 'Paris' }, id: '' }), rules())).toEqual({ valid: true });
  });

  it('rejects a question that names a tool or holds a call as JSON, unless validate_question is off', () => {
    const naming = rules({ question: 'Use get_weather for Paris, 3 days' });
    expect(checkToolCalls(json(paris), naming)).toMatchObject({ code: 'question_leaks_tools', reason: 'the question names the tool `get_weather`' });
    const asJson = rules({ question: 'Paris 3 {"name": "x"}' });
    expect(checkToolCalls(json(paris), asJson)).toMatchObject({ code: 'question_leaks_tools', reason: 'the question holds a tool call written as JSON' });
    expect(checkToolCalls(json(paris), { ...naming, validateQuestion: false })).toEqual({ valid: true });
  });

  it('asks for two different calls with multi_output', () => {
    expect(checkToolCalls(json(paris), rules({ multiOutput: true }))).toMatchObject({
      code: 'tool_calls_too_few',
      reason: '`multi_output` asks for several different tool calls, but `answer` holds one',
    });
    expect(checkToolCalls(json(paris, { name: 'convert_temperature', arguments: { value: 3 } }), rules({ multiOutput: true }))).toEqual({ valid: true });
  });

  it('rejects a tool the catalogue does not have, and a call without a name', () => {
    expect(checkToolCalls(json({ name: 'get_wether', arguments: {} }), rules())).toMatchObject({
      code: 'tool_unknown',
      reason: 'tool call 1 names the tool `get_wether`, which is not in the catalogue (the catalogue has `get_weather`, `convert_temperature`, `describe_city`)',
      metadata: { tool_call: { name: 'get_wether', arguments: {} } },
    });
    expect(checkToolCalls(json({ arguments: {} }), rules())).toMatchObject({ code: 'tool_call_incomplete', reason: 'tool call 1 has no `name`' });
    expect(checkToolCalls(json(paris), rules({ tools: [] }))).toMatchObject({ code: 'tool_unknown', reason: expect.stringContaining('(the catalogue is empty)') });
  });

  it('rejects keys besides name, arguments and id, and a call without arguments', () => {
    expect(checkToolCalls(json({ ...paris, type: 'function' }), rules())).toMatchObject({
      code: 'tool_call_extra_keys',
      reason: 'tool call 1 (`get_weather`) has `type` besides `name`, `arguments` and `id`',
    });
    expect(checkToolCalls(json({ name: 'get_weather' }), rules())).toMatchObject({ code: 'tool_call_incomplete', reason: 'tool call 1 (`get_weather`) has no `arguments`' });
  });

  it("rejects arguments that break the tool's parameter schema, or a schema that is not one", () => {
    expect(checkToolCalls(json({ name: 'get_weather', arguments: { city: 3 } }), rules())).toMatchObject({
      code: 'arguments_invalid',
      reason: "the arguments of tool call 1 (`get_weather`) break the tool's parameter schema: `/city` must be string",
    });
    expect(checkToolCalls(json({ name: 'get_weather', arguments: { days: 3 } }), rules())).toMatchObject({
      reason: "the arguments of tool call 1 (`get_weather`) break the tool's parameter schema: the arguments must have required property 'city'",
    });
    const broken = { name: 'get_weather', parameters: { type: 'object', required: true } };
    expect(checkToolCalls(json(paris), rules({ tools: [broken] }))).toMatchObject({
      code: 'tool_schema_invalid',
      reason: 'the `parameters` of tool `get_weather` are not a valid JSON schema (schema is invalid: data/required must be array), so tool call 1 (`get_weather`) cannot be checked',
    });
  });

  it('rejects arguments that are not an object when the schema allows them', () => {
    const loose = { name: 'get_weather', parameters: {} };
    expect(checkToolCalls(json({ name: 'get_weather', arguments: 'Paris' }), rules({ tools: [loose] }))).toMatchObject({
      code: 'arguments_malformed',
      reason: 'the `arguments` of tool call 1 (`get_weather`) are a string, expected an object',
    });
  });

  it('rejects an argument the tool does not take', () => {
    expect(checkToolCalls(json({ name: 'get_weather', arguments: { city: 'Paris', units: 'metric' } }), rules())).toMatchObject({
      code: 'argument_unknown',
      reason: 'tool call 1 (`get_weather`) passes `units`, which tool `get_weather` does not take',
      metadata: { argument_name: 'units' },
    });
  });

  it('rejects an argument value the question does not mention, naming the tool, the argument and the value', () => {
    const rome = { name: 'get_weather', arguments: { city: 'Rome' } };
    expect(checkToolCalls(json(rome), rules())).toEqual({
      valid: false,
      code: 'argument_not_grounded',
      reason: 'argument `city` of tool call 1 (`get_weather`) is `"Rome"`, which the question does not mention',
      metadata: {
        reason: 'argument `city` of tool call 1 (`get_weather`) is `"Rome"`, which the question does not mention',
        tool_call: rome,
        argument_name: 'city',
        argument_value: 'Rome',
      },
    });
    expect(checkToolCalls(json(rome), rules({ checkArgQuestionOverlap: false }))).toEqual({ valid: true });
    expect(checkToolCalls(json({ name: 'get_weather', arguments: { city: '' } }), rules())).toMatchObject({ code: 'argument_not_grounded' });
  });

  it('grounds values loosely: case, punctuation, number words; booleans are exempt unless ignore_types drops them', () => {
    const question = 'Weather in NEW-YORK for three days?';
    expect(checkToolCalls(json({ name: 'get_weather', arguments: { city: 'new york', days: 3 } }), rules({ question }))).toMatchObject({ code: 'argument_not_grounded' });
    expect(checkToolCalls(json({ name: 'get_weather', arguments: { city: 'New-York', days: 3 } }), rules({ question }))).toEqual({ valid: true });
    const metric = json({ name: 'get_weather', arguments: { city: 'Paris', metric: true } });
    expect(checkToolCalls(metric, rules())).toEqual({ valid: true });
    expect(checkToolCalls(metric, rules({ ignoreTypes: [] }))).toMatchObject({ code: 'argument_not_grounded', metadata: { argument_name: 'metric' } });
  });

  it('exempts date-like values when ignore_types holds date', () => {
    const dated = json({ name: 'get_weather', arguments: { city: 'Paris', when: '2024-03-05' } });
    expect(checkToolCalls(dated, rules())).toMatchObject({ code: 'argument_not_grounded', metadata: { argument_name: 'when' } });
    expect(checkToolCalls(dated, rules({ ignoreTypes: ['boolean', 'date'] }))).toEqual({ valid: true });
  });

  describe('nested calls', () => {
    const first = { name: 'get_weather', arguments: { city: 'Paris' }, id: '$1' };
    const typed = { name: 'convert_temperature', arguments: { value: '$1.temperature' }, id: '$2' };
    const named = { name: 'describe_city', arguments: { name: '$1.city' }, id: '$2' };

    it("accept a reference to an earlier call's output when allowed, even where the schema wants another type", () => {
      expect(checkToolCalls(json(first, typed), rules({ allowNested: true }))).toEqual({ valid: true });
      expect(checkToolCalls(json(first, named), rules({ requireNested: true }))).toEqual({ valid: true });
    });

    it('are rejected when not allowed, by the schema or by the nesting rule', () => {
      expect(checkToolCalls(json(first, typed), rules())).toMatchObject({ code: 'arguments_invalid', reason: expect.stringContaining('`/value` must be number') });
      expect(checkToolCalls(json(first, named), rules())).toMatchObject({
        code: 'nested_calls_not_allowed',
        reason: 'tool call 2 uses the output of an earlier call, but neither `allow_nested` nor `require_nested` is on',
      });
    });

    it('are required with require_nested', () => {
      expect(checkToolCalls(json(first), rules({ requireNested: true }))).toMatchObject({
        code: 'nested_calls_required',
        reason: '`require_nested` asks for a tool call that uses the output of an earlier one, and none does',
      });
    });

    it('may not refer to the output of the same or a later call', () => {
      const early = { name: 'describe_city', arguments: { name: '$2.city' }, id: '$1' };
      const later = { name: 'get_weather', arguments: { city: 'Paris' }, id: '$2' };
      expect(checkToolCalls(json(early, later), rules({ allowNested: true }))).toMatchObject({
        code: 'reference_to_later_call',
        reason: 'argument `name` of tool call 1 (`describe_city`) refers to the output of this or a later call: `"$2.city"`',
      });
      expect(checkToolCalls(json({ name: 'get_weather', arguments: { city: '$1.city' }, id: '$1' }), rules({ allowNested: true }))).toMatchObject({ code: 'reference_to_later_call' });
    });

    it("may not mention a call's output inside a longer value", () => {
      const indirect = { name: 'describe_city', arguments: { name: 'the city of $1.city' }, id: '$2' };
      expect(checkToolCalls(json(first, indirect), rules({ allowNested: true }))).toMatchObject({ code: 'argument_not_grounded' });
      expect(checkToolCalls(json(first, indirect), rules({ allowNested: true, checkArgQuestionOverlap: false }))).toMatchObject({
        code: 'reference_indirect',
        reason: "argument `name` of tool call 2 (`describe_city`) mentions a call's output inside `\"the city of $1.city\"` instead of being a reference to it",
      });
    });
  });
});
