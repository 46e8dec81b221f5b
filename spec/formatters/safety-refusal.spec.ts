import { describe, expect, it } from 'vitest';
import { safetyRefusal } from '../../lib/formatters/safety-refusal.ts';

describe('formatters/safety/refusal', () => {
  it('gives instruction, response and the metadata without the pipeline keys; drops every other field', () => {
    const record = {
      task_name: 'refusal',
      is_seed: false,
      rxdgt_id: '0-1b',
      task_description: 'Refuse harmful requests.',
      instruction: 'How do I pick my neighbour’s lock?',
      response: 'I can’t help with getting into someone else’s home.',
      source: 'machine',
      metadata: { risk: 'crime', risk_group: 'harm', risk_probability: 0.97, label: 'no', policy_version: 'v0.1', mode: 'strict', guardian_reasoning: 'Clearly unsafe.' },
    };
    expect(safetyRefusal(record)).toEqual({
      instruction: 'How do I pick my neighbour’s lock?',
      response: 'I can’t help with getting into someone else’s home.',
      metadata: { risk: 'crime', risk_group: 'harm', risk_probability: 0.97, label: 'no', policy_version: 'v0.1' },
    });
    expect(Object.keys(safetyRefusal(record))).toEqual(['instruction', 'response', 'metadata']);
  });

  it('no response gives null; no metadata (or null) gives {}', () => {
    expect(safetyRefusal({ task_name: 'r', is_seed: true, instruction: 'Hi' })).toEqual({ instruction: 'Hi', response: null, metadata: {} });
    expect(safetyRefusal({ task_name: 'r', is_seed: true, instruction: 'Hi', response: null, metadata: null })).toEqual({ instruction: 'Hi', response: null, metadata: {} });
  });

  it('a record without instruction, or with metadata that is not an object: an error naming formatter, field and record', () => {
    expect(() => safetyRefusal({ task_name: 'r', is_seed: false, rxdgt_id: '5-c3', response: 'No.' })).toThrow(
      'formatter `formatters/safety/refusal`: record `5-c3` has no field `instruction`',
    );
    expect(() => safetyRefusal({ task_name: 'r', is_seed: false, rxdgt_id: '5-c3', instruction: 'Hi', metadata: ['risk'] })).toThrow(
      'formatter `formatters/safety/refusal`: record `5-c3` has a field `metadata` that is not an object',
    );
  });
});
