import { describe, expect, it } from 'vitest';
import { argumentsObject, argumentsText, toolCallOf, toolCallsField } from '../../lib/providers/tool-calls.ts';

describe('tool calls', () => {
  it('normalises arguments to an object, keeping text that is no JSON object and flagging it', () => {
    expect(toolCallOf('a', 'f', '{"x":1}')).toEqual({ id: 'a', name: 'f', arguments: { x: 1 } });
    expect(toolCallOf('a', 'f', { x: 1 })).toEqual({ id: 'a', name: 'f', arguments: { x: 1 } });
    expect(toolCallOf('a', 'f', '')).toEqual({ id: 'a', name: 'f', arguments: {} });
    expect(toolCallOf('a', 'f', undefined)).toEqual({ id: 'a', name: 'f', arguments: {} });
    expect(toolCallOf('a', 'f', '{"x":')).toEqual({ id: 'a', name: 'f', arguments: {}, unparsedArguments: '{"x":' });
    expect(toolCallOf('a', 'f', '"text"')).toEqual({ id: 'a', name: 'f', arguments: {}, unparsedArguments: '"text"' });
    expect(toolCallOf('a', 'f', [1])).toEqual({ id: 'a', name: 'f', arguments: {}, unparsedArguments: '[1]' });
  });

  it('writes message arguments as each wire wants them', () => {
    expect(argumentsText({ x: 1 })).toBe('{"x":1}');
    expect(argumentsText('{"x":1}')).toBe('{"x":1}');
    expect(argumentsObject('{"x":1}')).toEqual({ x: 1 });
    expect(argumentsObject('nope')).toEqual({});
  });

  it('adds `toolCalls` to a result only when an answer called a tool', () => {
    expect(toolCallsField([[], []])).toEqual({});
    expect(toolCallsField([[], [{ id: 'a', name: 'f', arguments: {} }]])).toEqual({ toolCalls: [[], [{ id: 'a', name: 'f', arguments: {} }]] });
  });
});
