import { describe, expect, it } from 'vitest';
import { conversationRagStatic } from '../../lib/formatters/conversation-rag-static.ts';
import type { DataPoint } from '../../lib/record.ts';

function conversation(steps: unknown): DataPoint {
  return { task_name: 'rag', is_seed: false, rxdgt_id: '2-77aa', conversation_id: 'c-7', steps };
}

const hotel = [{ id: 'd1', text: 'Check-in is at 3 pm.', score: 0.9 }];
const spa = [{ id: 'd2', text: 'The spa opens at 9 am.' }];

describe('formatters/conversation/rag/static', () => {
  it('gives the user and assistant turns and the documents of the last rag/scenario step', () => {
    const record = conversation([
      { role: 'rag/scenario', content: 'Hotel questions', documents: hotel, scenario_family_id: 'f1' },
      { role: 'persona', content: 'A guest.' },
      { role: 'user', content: 'When is check-in?' },
      { role: 'tool_call', content: { name: 'search', arguments: {} } },
      { role: 'tool_result', content: { result: [] } },
      { role: 'assistant', content: 'At 3 pm.' },
      { role: 'rag/scenario', content: 'Spa questions', documents: spa },
      { role: 'tc/user', content: 'And the spa?' },
      { role: 'flow_controller', terminate: true },
    ]);
    expect(conversationRagStatic(record)).toEqual({
      conversation_id: 'c-7',
      messages: [
        { role: 'user', content: 'When is check-in?' },
        { role: 'assistant', content: 'At 3 pm.' },
        { role: 'user', content: 'And the spa?' },
      ],
      documents: spa,
    });
  });

  it('documents are [] without a rag/scenario step, or when it has none', () => {
    expect(conversationRagStatic(conversation([{ role: 'user', content: 'Hi' }]))).toEqual({ conversation_id: 'c-7', messages: [{ role: 'user', content: 'Hi' }], documents: [] });
    expect(conversationRagStatic(conversation([{ role: 'rag/scenario', content: 'Live retrieval' }]))).toEqual({ conversation_id: 'c-7', messages: [], documents: [] });
  });

  it('a record without steps or conversation_id, or with documents that are not a list: an error naming formatter, field and record', () => {
    expect(() => conversationRagStatic({ task_name: 'rag', is_seed: false, rxdgt_id: '2-77aa', conversation_id: 'c-7' })).toThrow(
      'formatter `formatters/conversation/rag/static`: record `2-77aa` has no field `steps`',
    );
    expect(() => conversationRagStatic({ task_name: 'rag', is_seed: false, rxdgt_id: '2-77aa', steps: [] })).toThrow(
      'formatter `formatters/conversation/rag/static`: record `2-77aa` has no field `conversation_id`',
    );
    expect(() => conversationRagStatic(conversation([{ role: 'user', content: 'Hi' }, { role: 'rag/scenario', documents: 'd1' }]))).toThrow(
      'formatter `formatters/conversation/rag/static`: record `2-77aa` has a field `steps.1.documents` that is not a list',
    );
  });
});
