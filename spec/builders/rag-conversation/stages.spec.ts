import { describe, expect, test } from 'vitest';
import { appendStep, createConversation, makeStep } from '../../../lib/conversation/conversation.ts';
import { parseCritique } from '../../../builders/rag-conversation/stages/lm-assistant-rag-static.ts';
import { ragConversationSummary } from '../../../builders/rag-conversation/stages/lm-flow-controller-rag.ts';
import { parseUserTurn } from '../../../builders/rag-conversation/stages/lm-user-rag.ts';
import { renderDocuments } from '../../../builders/rag-conversation/stages/render-documents.ts';
import { scenarioExamples } from '../../../builders/rag-conversation/stages/scenario-examples.ts';

const documents = [{ id: 'fees', text: 'Late fees are 10 cents a day.' }, { text: 'Cards are free.' }];

describe('RAG stage helpers', () => {
  test('parseUserTurn: utterance, else the draft, else plain text; JSON with neither (or not an object) is garbled', () => {
    expect(parseUserTurn('{"utterance": " How late can I return it? ", "proposed_utterance": "x"}')).toBe('How late can I return it?');
    expect(parseUserTurn('```json\n{"utterance": "", "proposed_utterance": "Draft?"}\n```')).toBe('Draft?');
    expect(parseUserTurn('Can I renew online?')).toBe('Can I renew online?');
    expect(parseUserTurn('{"reasoning": "only thoughts"}')).toBeUndefined();
    expect(parseUserTurn('["a list"]')).toBeUndefined();
  });

  test("parseCritique: valid only on \"yes\"; an answer that is not a JSON object fails and is marked unreadable", () => {
    expect(parseCritique('{"reasoning": "r", "valid": " YES ", "issues": ""}')).toEqual({ valid: true, issues: '', reasoning: 'r', readable: true });
    expect(parseCritique('{"valid": "no", "issues": "Fee made up."}')).toEqual({ valid: false, issues: 'Fee made up.', reasoning: '', readable: true });
    expect(parseCritique('{"valid": true}')).toMatchObject({ valid: false, readable: true });
    expect(parseCritique('Looks grounded.')).toMatchObject({ valid: false, readable: false });
  });

  test("renderDocuments: DGT's layout, with or without ids", () => {
    expect(renderDocuments(documents, 'none')).toBe('[Document 1 | id=fees]\nLate fees are 10 cents a day.\n\n[Document 2 | id=2]\nCards are free.');
    expect(renderDocuments(documents, 'none', { withIds: false })).toBe('[Document 1]\nLate fees are 10 cents a day.\n\n[Document 2]\nCards are free.');
    expect(renderDocuments([], '(no documents)')).toBe('(no documents)');
  });

  test('the RAG flow controller sees the scenario, its documents and the conversation', () => {
    let conversation = createConversation('t', 'c');
    conversation = appendStep(conversation, makeStep('rag/scenario', { content: 'A renter asks about fees.', documents }), makeStep('user', { content: 'Hi' }), makeStep('assistant', { content: 'Hello' }));
    expect(ragConversationSummary(conversation)).toBe('[Scenario]\nA renter asks about fees.\n\n[Documents]\n[Document 1 | id=fees]\nLate fees are 10 cents a day.\n\n[Document 2 | id=2]\nCards are free.\nUser: Hi\nAssistant: Hello');
    expect(ragConversationSummary(appendStep(createConversation('t', 'c'), makeStep('scenario', { content: 'Plain.' })))).toBe('[Scenario]\nPlain.');
  });

  test('scenario examples: seeds most like the documents first (TF-IDF), long documents shortened, seeds without a scenario skipped', () => {
    const long = Array.from({ length: 400 }, (_, index) => `word${String.fromCharCode(97 + (index % 26))}`).join(' ');
    const seed = (id: string, text: string) => appendStep(createConversation('t', id), makeStep('rag/scenario', { content: `Scenario ${id}`, documents: [{ id, text }], reasoning: `why ${id}` }));
    const seeds = [seed('parking', 'Parking permits cost 60 dollars a year.'), seed('library', 'Library cards are free; late fees apply.'), createConversation('t', 'empty'), seed('long', long)];
    const text = scenarioExamples(seeds, 'library late fees', 1, Math.random);
    expect(text).toBe('Documents:\n[Document 1]\nLibrary cards are free; late fees apply.\nOutput:\n{"scenario":"Scenario library","reasoning":"why library"}');
    const all = scenarioExamples(seeds, 'parking', 4, Math.random);
    expect(all.split('\n\n---\n\n')).toHaveLength(3);
    expect(all).toContain(' [...] ');
    expect(scenarioExamples([appendStep(createConversation('t', 's'), makeStep('scenario', { content: 'Plain seed.' }))], 'x', 2, Math.random)).toBe('Output:\n{"scenario":"Plain seed.","reasoning":""}');
  });
});
