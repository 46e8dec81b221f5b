import { describe, expect, test } from 'vitest';
import { llmCallPayload } from '../../lib/telemetry/llm-call-payload.ts';
import type { ModelCallEvent } from '../../lib/telemetry/run-event.ts';

function call(request: ModelCallEvent['request'], texts: readonly string[]): ModelCallEvent {
  const time = 1;
  return { type: 'model-call-end', time, runId: 'r', buildId: 'b', block: 'g', usageKey: 'g: p/m', provider: 'p', model: 'm', startedAt: time, endedAt: time, cached: false, promptTokens: 1, completionTokens: 1, request, texts, tasks: [] };
}

describe('llmCallPayload', () => {
  test('a completion: its prompt and answer, whole when they fit', () => {
    expect(llmCallPayload(call({ method: 'completion', prompt: 'Write a pair.' }, ['Q: A?']), 100)).toEqual({ prompt: 'Write a pair.', completion: 'Q: A?' });
  });

  test('a cut that would fall inside a URL’s credentials cannot leak them: they are hidden first', () => {
    const payload = llmCallPayload(call({ method: 'completion', prompt: 'http://alice:hunter2@host/v1' }, []), 16);
    expect(payload).toEqual({ prompt: 'http://***@host/', completion: [], payload_truncated: true });
  });

  test('a chat: every message’s content cut, the other fields kept; several answers are a list', () => {
    const payload = llmCallPayload(
      call({ method: 'chat', messages: [{ role: 'user', content: 'abcdefgh' }, { role: 'tool', content: 'ok', tool_call_id: 'call-1' }] }, ['first answer', 'second']),
      6,
    );
    expect(payload).toEqual({ messages: [{ role: 'user', content: 'abcdef' }, { role: 'tool', content: 'ok', tool_call_id: 'call-1' }], completion: ['first ', 'second'], payload_truncated: true });
  });
});
