import { describe, expect, it } from 'vitest';
import { inputReader, outputWriter } from '../../lib/blocks/block-io.ts';
import type { DataPoint } from '../../lib/record.ts';

const record = (fields: Record<string, unknown>): DataPoint => ({ task_name: 't', is_seed: false, ...fields });

/** Freezes a value and everything in it, so any write to it throws. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function codeOf(read: () => unknown): string | undefined {
  try {
    read();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('inputReader (DGT transform_input)', () => {
  const inputs = { required: ['input'], optional: ['context'] };

  it('reads each named input from its mapped path, else from the field of its own name, and nothing else', () => {
    const read = inputReader(inputs, { 'q.text': 'input' }, 'b');
    expect(read(record({ q: { text: 'hi' }, input: 'not me', context: ['c'], other: 1 }))).toEqual({ input: 'hi', context: ['c'] });
    expect(inputReader(inputs, undefined, 'b')(record({ input: 'plain', other: 1 }))).toEqual({ input: 'plain' });
  });

  it('takes a list as fields mapped to themselves', () => {
    expect(inputReader(inputs, ['input', 'context'], 'b')(record({ input: 'a', context: 'b' }))).toEqual({ input: 'a', context: 'b' });
  });

  it('leaves an absent optional input out, keeps a present null, and fails an absent required one with input_missing', () => {
    const read = inputReader(inputs, { answer: 'input' }, 'b');
    expect(read(record({ answer: null }))).toEqual({ input: null });
    expect(read(record({ answer: 'x', context: undefined }))).toEqual({ input: 'x' });
    expect(codeOf(() => read(record({ other: 'x' })))).toBe('input_missing');
    expect(() => read(record({ other: 'x' }))).toThrow(/needs input `input`, read from `answer` \(its input_map\).*its fields: other/);
  });

  it('fails a record whose mapped path breaks midway with input_missing, naming the path', () => {
    const read = inputReader(inputs, { 'a.b.c': 'input' }, 'b');
    expect(codeOf(() => read(record({ a: 'text' })))).toBe('input_missing');
    expect(() => read(record({ a: 'text' }))).toThrow(/cannot read its input `input` from `a\.b\.c`/);
  });

  it('refuses, when built, a map onto an input the block does not take, and a malformed path', () => {
    expect(() => inputReader(inputs, { question: 'inptu' }, 'b')).toThrow(/`question: inptu` maps to `inptu`, which block `b` does not take \(its inputs: input, context\)/);
    expect(() => inputReader(inputs, { 'a..b': 'input' }, 'b')).toThrow(/a\.\.b/);
  });

  it('without named inputs, reads the whole record plus the renamed fields, the originals kept', () => {
    const read = inputReader(undefined, { question: 'prompt', 'meta.lang': 'lang' }, 'b');
    expect(read(record({ question: 'q?', meta: { lang: 'en' } }))).toEqual(record({ question: 'q?', meta: { lang: 'en' }, prompt: 'q?', lang: 'en' }));
    expect(read(record({ meta: {} }))).toEqual(record({ meta: {} }));
  });

  it('never writes to the record it reads', () => {
    const frozen = deepFreeze(record({ question: 'q?', meta: { lang: 'en' } }));
    expect(inputReader(undefined, { question: 'prompt' }, 'b')(frozen)).toMatchObject({ prompt: 'q?' });
    expect(inputReader(inputs, { question: 'input' }, 'b')(frozen)).toEqual({ input: 'q?' });
  });
});

describe('outputWriter (DGT transform_output)', () => {
  it('writes unmapped outputs under their own name and mapped ones only where the map says', () => {
    const write = outputWriter({ result: 'answers[+]', 'score.value': 'quality' }, 'b');
    const written = write(record({ answers: ['a'] }), { result: 'b', score: { value: 0.5, extra: 1 }, note: 'n' });
    expect(written).toEqual(record({ answers: ['a', 'b'], quality: 0.5, note: 'n' }));
  });

  it('takes a list as outputs mapped to themselves, skips undefined outputs and an absent mapped one', () => {
    const write = outputWriter(['result'], 'b');
    expect(write(record({}), { result: 'r', skipped: undefined })).toEqual(record({ result: 'r' }));
    expect(outputWriter({ result: 'answer' }, 'b')(record({ kept: 1 }), { other: 2 })).toEqual(record({ kept: 1, other: 2 }));
  });

  it('copies the record instead of writing to it, nested paths included', () => {
    const frozen = deepFreeze(record({ checks: { a: true }, tags: ['x'] }));
    const written = outputWriter({ ok: 'checks.b', tag: 'tags[+]' }, 'b')(frozen, { ok: false, tag: 'y' });
    expect(written).toEqual(record({ checks: { a: true, b: false }, tags: ['x', 'y'] }));
    expect(frozen).toEqual(record({ checks: { a: true }, tags: ['x'] }));
  });

  it('fails with output_map_failed when the record cannot take an output at its path', () => {
    const write = outputWriter({ result: 'question.text' }, 'b');
    expect(codeOf(() => write(record({ question: 'a string' }), { result: 'r' }))).toBe('output_map_failed');
    expect(() => write(record({ question: 'a string' }), { result: 'r' })).toThrow(/block `b` cannot write its outputs: .*question/);
  });
});
