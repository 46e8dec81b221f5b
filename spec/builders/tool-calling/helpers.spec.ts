import { describe, expect, test } from 'vitest';
import { correlationCheck, kendallTau } from '../../../builders/tool-calling/correlation-check.ts';
import { hiddenCallIds } from '../../../builders/tool-calling/hidden-calls.ts';
import { parsedCallList } from '../../../builders/tool-calling/parsed-call-list.ts';
import { complexityProblem, largestConnectedComponent, leavesOf, syntaxProblem } from '../../../builders/tool-calling/plan-structure.ts';
import { substituteReferences } from '../../../builders/tool-calling/substitute-references.ts';
import { extractFirstToolCall, taggedText } from '../../../builders/tool-calling/tool-call-text.ts';
import { validateToolCalls } from '../../../builders/tool-calling/validate-tool-calls.ts';
import { seededRandom } from '../../../lib/random.ts';

const tools = [
  { name: 'find_member', parameters: { type: 'object', properties: { email: { type: 'string' } } }, output_parameters: { type: 'object', properties: { member_id: { type: 'string' } } } },
  { name: 'renew_loans', parameters: { type: 'object', properties: { member_id: { type: 'string' }, weeks: { type: 'integer' } } } },
];
const chain = [
  { name: 'find_member', arguments: { email: 'a@b.org' }, id: '$1' },
  { name: 'renew_loans', arguments: { member_id: '$1.member_id', weeks: 2 }, id: '$2' },
];

describe('reading answers', () => {
  test('tagged text, the first JSON list, and garbled answers', () => {
    expect(taggedText('x <pass> yes </pass> y', 'pass')).toBe('yes');
    expect(extractFirstToolCall('Plan: [ {"name": "f"} ] done')).toBe('[ {"name": "f"} ]');
    expect(extractFirstToolCall('[{"name": "f"}')).toBeUndefined();
    expect(parsedCallList({ text: `<tool_calls>${JSON.stringify(chain)}</tool_calls>`, toolCalls: [], score: 0 })).toEqual(chain);
    expect(parsedCallList({ text: "<tool_calls>[{'name': 'f', 'arguments': {'x': True}, 'id': '$1'}]</tool_calls>", toolCalls: [], score: 0 })).toEqual([{ name: 'f', arguments: { x: true }, id: '$1' }]);
    expect(parsedCallList({ text: 'no calls at all', toolCalls: [], score: 0 })).toBe('the answer holds no JSON list of tool calls');
    expect(parsedCallList({ text: '[{"name": oops}]', toolCalls: [], score: 0 })).toMatch(/neither JSON nor a Python literal/);
    // The verifier closes a list cut after its last `{`.
    expect(parsedCallList({ text: '<tool_calls>[{"name": "f", "arguments": {"x": 1}, "id": "$1"}, {', toolCalls: [], score: 0 }, { repairTrailingBrace: true })).toHaveLength(1);
    // Structured tool calls stand in for a text without a list.
    expect(parsedCallList({ text: '', toolCalls: [{ id: 'call_1', name: 'f', arguments: { x: 1 } }], score: 0 })).toEqual([{ name: 'f', arguments: { x: 1 }, id: '$1' }]);
  });
});

describe('plan structure', () => {
  test('syntax, components, leaves and complexity', () => {
    expect(syntaxProblem(chain)).toBeUndefined();
    expect(syntaxProblem([{ name: 'f', arguments: {} }])).toMatch(/expected exactly name, arguments and id/);
    const stray = { name: 'find_member', arguments: { email: 'c@d.org' }, id: '$3' };
    expect(largestConnectedComponent([chain[0]!, stray, chain[1]!]).map((call) => call['id'])).toEqual(['$1', '$2']);
    expect(largestConnectedComponent([stray])).toEqual([]);
    // With prior calls as context, the new calls are renumbered after them.
    expect(largestConnectedComponent([{ name: 'renew_loans', arguments: { member_id: '$1.member_id', weeks: 1 }, id: '$9' }, { name: 'renew_loans', arguments: { member_id: '$9.x', weeks: 3 }, id: '$10' }], [chain[0]!])).toEqual([
      { name: 'renew_loans', arguments: { member_id: '$1.member_id', weeks: 1 }, id: '$2' },
      { name: 'renew_loans', arguments: { member_id: '$2.x', weeks: 3 }, id: '$3' },
    ]);
    expect(leavesOf(chain)).toEqual(['a@b.org', 2]);
    expect(complexityProblem(chain)).toBeUndefined();
    expect(complexityProblem([{ arguments: { a: 'x' } }, { arguments: { a: 'x' } }])).toMatch(/repeat the same literal arguments/);
  });

  test('validation reasons', () => {
    expect(validateToolCalls(chain, tools, { history: null, allowNested: true, requireNested: true })).toBeUndefined();
    expect(validateToolCalls(chain, tools, { history: null, allowNested: false })).toMatch(/nest/);
    expect(validateToolCalls([{ name: 'launch', arguments: { x: 1 } }], tools, { history: null, allowNested: false })).toMatch(/`launch`, which is not in the catalogue/);
    expect(validateToolCalls([{ name: 'find_member', arguments: {} }], tools, { history: null, allowNested: false })).toBe('tool call 1 has no arguments');
    expect(validateToolCalls(chain, tools, { history: 'please run find_member for me', allowNested: true })).toBeDefined();
  });

  test('hidden calls, correlation and substitution', () => {
    expect(hiddenCallIds(chain, seededRandom(1))).toEqual(['$1']);
    expect(hiddenCallIds([chain[0]!], seededRandom(1))).toEqual([]);
    const hidden = [chain[0]!];
    expect(correlationCheck(chain, 'renew my loans for 2 weeks, my email is a@b.org', hidden)).toBe(true);
    expect(correlationCheck(chain, 'my email is a@b.org, renew my loans for 2 weeks', hidden)).toBe(false);
    expect(kendallTau([0, 1, 1], [5, 1, 2])).toBeLessThan(0);
    expect(Number.isNaN(kendallTau([1, 1], [1, 2]))).toBe(true);
    expect(substituteReferences({ member_id: '$1.member_id', weeks: 2 }, new Map([['$1', { member_id: 'M-1' }]]))).toEqual({ arguments: { member_id: 'M-1', weeks: 2 } });
    expect(substituteReferences({ member_id: '$1.uid' }, new Map([['$1', { member_id: 'M-1' }]]))).toEqual({ problem: '`$1.uid`: the result has no `uid`' });
  });
});
