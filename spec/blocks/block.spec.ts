import { lastValueFrom, of, pipe, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { block } from '../../lib/blocks/block.ts';
import { createEngine } from '../../lib/model/engine.ts';
import { accepted } from '../../lib/outcome.ts';
import type { DataPoint, Outcome } from '../../lib/record.ts';
import { FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';

const record = (fields: Record<string, unknown>): DataPoint => ({ task_name: 't', is_seed: false, ...fields });

async function run(operator: ReturnType<typeof block>, records: readonly DataPoint[]): Promise<Outcome<DataPoint>[]> {
  return lastValueFrom(of(...records.map((each, index) => accepted(`${index}-x`, each))).pipe(operator, toArray()));
}

describe('block', () => {
  it('runs a registered block type in code, chained with others', async () => {
    const outcomes = await run(
      pipe(
        block({ name: 'sql', type: 'validators/sql', dialect: 'postgresql', input_map: { query: 'input' }, filter: true }),
        block({ name: 'rename', type: 'field_map', field_map: { query: 'sql' } }),
      ),
      [record({ query: 'SELECT 1' }), record({ query: 'SELEC 1 FROM' })],
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['accepted', 'rejected']);
    expect(outcomes[0]?.record).toMatchObject({ query: 'SELECT 1', sql: 'SELECT 1' });
    expect(outcomes[1]).toMatchObject({ issues: [{ code: 'syntax_error', block: 'sql' }] });
  });

  it('takes an Engine for lm_config in code, and its answers decide the verdict', async () => {
    const model = new FakeLanguageModel({ answers: (request) => (JSON.stringify(request).includes('Paris') ? 'YES' : 'NO') });
    const judge = block({ name: 'judge', type: 'lm_judge', lm_config: createEngine(model, { name: 'judge' }), success: { equals: 'YES' }, filter: true });
    const outcomes = await run(judge, [record({ input: 'Is Paris in France?' }), record({ input: 'Is Rome in Peru?' })]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['accepted', 'rejected']);
    expect(model.calls).toHaveLength(2);
  });

  it('names an unknown type and a misspelt field', () => {
    expect(() => block({ name: 'x', type: 'validators/jsno' })).toThrow(/unknown block type `validators\/jsno` \(known: .*validators\/json/);
    expect(() => block({ name: 'x', type: 'validators/json', fliter: true })).toThrow(/fliter/);
  });
});

describe('block: errors in code', () => {
  it('names the block and the map at fault, and runs the similarity blocks too', async () => {
    let error: unknown;
    try {
      block({ name: 'json', type: 'validators/json', input_map: { answer: 'inptu' } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ name: 'ConfigError', file: 'block `json`', field: 'config.input_map', message: expect.stringMatching(/maps to `inptu`, which block `json` does not take \(its inputs: input\)/) });
    const outcomes = await run(block({ name: 'dedup', type: 'dedup/exact', input_map: { question: 'input' } }), [record({ question: 'a' }), record({ question: 'a' })]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['accepted', 'rejected']);
  });
});
