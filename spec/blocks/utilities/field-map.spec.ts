import { describe, expect, it } from 'vitest';
import { fieldMapBlock } from '../../../lib/blocks/utilities/field-map.ts';
import { configErrorOf, record, runBlock, runOf } from './utility-harness.ts';

describe('field_map', () => {
  it('copies each source to its target, reading every source from the record as it came in', () => {
    const map = { field1: 'field2', field3: 'field4', field2: 'field3' };
    expect(runOf(fieldMapBlock, { field_map: map }, { field1: 1, field2: 2, field3: 3, field4: 4 })).toEqual({ field2: 1, field4: 3, field3: 2 });
  });

  it('reads and writes DGT paths, keeping the other fields of the objects and lists it writes into', () => {
    const input = Object.freeze({ meta: Object.freeze({ lang: 'en', region: 'eu' }), turns: [{ text: 'hi' }, { text: 'bye' }], question: 'q', messages: ['m'] });
    const outputs = runOf(fieldMapBlock, { field_map: { 'meta.lang': 'meta.language', 'turns[-1].text': 'last', question: 'messages[+]', 'turns[:1]': 'first' } }, input);
    expect(outputs).toEqual({ meta: { lang: 'en', region: 'eu', language: 'en' }, last: 'bye', messages: ['m', 'q'], first: [{ text: 'hi' }] });
    expect(input.meta).toEqual({ lang: 'en', region: 'eu' });
  });

  it('copies a null value, and fails a record without a source field', () => {
    expect(runOf(fieldMapBlock, { field_map: { answer: 'response' } }, { answer: null })).toEqual({ response: null });
    expect(() => runOf(fieldMapBlock, { field_map: { answer: 'response' } }, { question: 'q' })).toThrow(/`answer` is absent; the record has fields question/);
  });

  it('does nothing with an empty map', () => {
    expect(runOf(fieldMapBlock, { field_map: {} }, { a: 1 })).toEqual({});
  });

  it('rejects a config without a map, with a map that is not one, or with paths it cannot read or write', () => {
    expect(configErrorOf(fieldMapBlock, {}).field).toBe('blocks.0.field_map');
    expect(configErrorOf(fieldMapBlock, { field_map: ['a', 'b'] }).field).toBe('blocks.0.field_map');
    expect(configErrorOf(fieldMapBlock, { field_map: { a: 1 } }).field).toBe('blocks.0.field_map.a');
    const malformed = configErrorOf(fieldMapBlock, { field_map: { 'a..b': 'c' } });
    expect(malformed.field).toBe('blocks.0.field_map.a..b');
    expect(malformed.message).toBe('b.yaml: field `blocks.0.field_map.a..b`: field path `a..b` is malformed: empty field name at position 2');
    expect(configErrorOf(fieldMapBlock, { field_map: { 'a[+]': 'c' } }).message).toContain('`a[+]` appends (`[+]`), so it cannot be read');
    const slice = configErrorOf(fieldMapBlock, { field_map: { a: 'c[1:]' } });
    expect(slice.field).toBe('blocks.0.field_map.a');
    expect(slice.message).toContain('`c[1:]` is a slice, so it cannot be written');
  });

  it('runs through input_map and output_map, and rejects a record without a source field', async () => {
    const [copied, missing] = await runBlock(fieldMapBlock, { field_map: { question: 'prompt' }, input_map: { q: 'question' }, output_map: { prompt: 'messages[+]' } }, [
      record({ q: 'hello', messages: [] }),
      record({ other: 1 }),
    ]);
    expect(copied).toMatchObject({ status: 'accepted', record: record({ q: 'hello', messages: ['hello'] }) });
    expect(copied?.record).not.toHaveProperty('prompt');
    expect(missing).toMatchObject({ status: 'rejected', issues: [{ code: 'block_failed', block: 'b' }] });
  });
});
