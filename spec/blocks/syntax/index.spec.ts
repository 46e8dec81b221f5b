import { lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { blockOperator } from '../../../lib/blocks/block-operator.ts';
import { syntaxBlocks } from '../../../lib/blocks/syntax/index.ts';
import { ConfigError } from '../../../lib/errors/config-error.ts';
import { accepted } from '../../../lib/outcome.ts';
import type { DataPoint, Outcome } from '../../../lib/record.ts';
import { contextIn } from './validator-harness.ts';

const definition = (type: string) => syntaxBlocks.find((block) => block.type === type)!;
const record = (fields: Record<string, unknown>): DataPoint => ({ task_name: 't', is_seed: false, ...fields });

async function run(type: string, config: Record<string, unknown>, records: DataPoint[]): Promise<Outcome<DataPoint>[]> {
  const operator = blockOperator(definition(type), { name: 'check', type, ...config }, contextIn('/nonexistent'));
  return lastValueFrom(of(...records.map((each, index) => accepted(`${index}-x`, each))).pipe(operator, toArray()));
}

describe('syntaxBlocks', () => {
  it('lists the syntax validators, each reading one input `input`', () => {
    expect(syntaxBlocks.map((block) => block.type)).toEqual([
      'validators/json',
      'validators/yaml',
      'validators/sql',
      'validators/python',
      'validators/javascript',
      'validators/typescript',
      'validators/regex',
      'validators/length',
    ]);
    for (const block of syntaxBlocks) {
      expect(block.validator).toBe(true);
      expect(block.inputs).toEqual({ required: ['input'] });
    }
  });

  it('filters records through blockOperator, reading the input through input_map', async () => {
    const outcomes = await run('validators/json', { filter: true, input_map: { answer: 'input' } }, [
      record({ answer: '{"ok": true}' }),
      record({ answer: '{"ok": tru}' }),
      record({ answer: 42 }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['accepted', 'rejected', 'rejected']);
    expect(outcomes[1]).toMatchObject({ issues: [{ code: 'syntax_error', message: "json: syntax error at line 1, column 11: unexpected token '}'", block: 'check' }] });
    expect(outcomes[2]).toMatchObject({ issues: [{ code: 'input_not_text', message: 'input is a number, expected a string' }] });
  });

  it('keeps invalid records marked when not filtering, with the verdict metadata', async () => {
    const outcomes = await run('validators/python', { input_map: { code: 'input' } }, [record({ code: 'x = 1\n' }), record({ code: 'def f(:\n  pass' })]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['accepted', 'accepted']);
    expect(outcomes[0]!.record).toMatchObject({ is_valid: true });
    expect(outcomes[1]!.record).toMatchObject({ is_valid: false, metadata: { line: 1, column: 7, message: 'missing ")"' } });
  });

  it('rejects a record without the mapped input', async () => {
    const [outcome] = await run('validators/sql', { filter: true, input_map: { query: 'input' } }, [record({ question: 'q' })]);
    expect(outcome).toMatchObject({ status: 'rejected', issues: [{ code: 'input_missing' }] });
  });

  it('turns a bad config into a ConfigError naming the field', () => {
    const build = () => blockOperator(definition('validators/sql'), { name: 'q', type: 'validators/sql', dialect: 'oracle' }, contextIn('/nonexistent'));
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(/b\.yaml: field `blocks\.0\.dialect`: unknown SQL dialect "oracle"/);
    expect(() => blockOperator(definition('validators/length'), { name: 'l', type: 'validators/length', max: 2, maximum: 3 }, contextIn('/x'))).toThrow(/maximum/);
  });
});
