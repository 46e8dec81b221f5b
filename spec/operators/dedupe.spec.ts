import { EMPTY, from, of, take, toArray, firstValueFrom } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { accepted, rejected } from '../../lib/outcome.ts';
import type { DataPoint, Outcome, Restored } from '../../lib/record.ts';
import { type DedupeConfig, dedupe } from '../../operators/dedupe.ts';
import { MinHashIndex } from '../../lib/text/minhash-index.ts';
import { rougeLTokens } from '../../lib/text/rouge-l.ts';
import { jaccard, shingleHashes } from '../../lib/text/shingle-hashes.ts';
import { tokenize } from '../../lib/text/tokenize.ts';
import { describeOperatorContract } from '../helpers/operator-contract.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { useTestScheduler } from '../helpers/test-scheduler.ts';

interface Question {
  readonly question: string;
}

const ask = (attempt: number, question: string) => accepted<Question>(String(attempt), { question });
const restore = (question: string): Restored => ({
  status: 'restored',
  id: '',
  record: { task_name: 'qa', is_seed: false, question } satisfies DataPoint,
});
const duplicateOf = (outcome: Outcome<Question>, message: string, block = 'dedup') =>
  rejected(outcome, [{ code: 'duplicate', message, block, path: ['question'] }]);

const a = ask(0, 'What is the capital of France?');
const b = ask(1, 'what is the capital of France');
const c = ask(2, 'How many legs does a spider have?');
const values = { a, b, c };

// `b` is left out: at the default threshold it is a duplicate of `a`, and contract samples must pass unchanged.
describeOperatorContract('dedupe', () => dedupe<Question>({ key: 'question' }), { a, c }, {
  endless: (index) => ask(index, `question number ${index}`),
});

describe('dedupe', () => {
  const testScheduler = useTestScheduler();

  test('one value passes through', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a|', values).pipe(dedupe({ key: 'question' }))).toBe('-a|', values);
    });
  });

  test('many values: the near-duplicate is rejected with its similarity, the rest pass', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-a|', values);
      const expected = {
        a,
        c,
        B: duplicateOf(b, 'Rouge-L 1 >= threshold 0.9 to a kept record', 'questions'),
        A: duplicateOf(a, 'Rouge-L 1 >= threshold 0.9 to a kept record', 'questions'),
      };
      expectObservable(source.pipe(dedupe({ name: 'questions', key: 'question', threshold: 0.9 }))).toBe('-a-B-c-A|', expected);
    });
  });

  test('reports the Rouge-L similarity, rounded to two decimals', async () => {
    const [first, second] = [ask(0, 'the cat sat on the mat'), ask(1, 'The cat sat.')];
    const outcomes = await firstValueFrom(of(first, second).pipe(dedupe({ key: 'question', threshold: 0.6 }), toArray()));
    expect(outcomes).toEqual([first, duplicateOf(second, 'Rouge-L 0.67 >= threshold 0.6 to a kept record')]);
  });

  test('never shows a similarity below the threshold after rounding', async () => {
    // 'a b c d e f g h i j k l m n o p q r s t' vs one token dropped: 2·19/39 = 0.974358...
    const words = 'a b c d e f g h i j k l m n o p q r s t';
    const [first, second] = [ask(0, words), ask(1, words.slice(2))];
    const outcomes = await firstValueFrom(of(first, second).pipe(dedupe({ key: 'question', threshold: 0.9742 }), toArray()));
    expect(outcomes).toEqual([first, duplicateOf(second, 'Rouge-L 0.974359 >= threshold 0.9742 to a kept record')]);
  });

  test('threshold 1 (the default) rejects exact token duplicates only', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const d = ask(3, 'What is the capital of France? Paris.');
      const expected = { a, c, d, B: duplicateOf(b, 'Rouge-L 1 >= threshold 1 to a kept record') };
      expectObservable(cold('abcd|', { ...values, d }).pipe(dedupe({ key: 'question' }))).toBe('aBcd|', expected);
    });
  });

  test('threshold 1.1 keeps everything', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('abab|', values).pipe(dedupe({ key: 'question', threshold: 1.1 }))).toBe('abab|', values);
    });
  });

  test('method exact compares trimmed strings and ignores the threshold', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const d = ask(3, '  What is the capital of France?\n');
      const expected = { a, b, D: duplicateOf(d, 'exact duplicate of a kept record') };
      expectObservable(cold('abd|', { ...values, d }).pipe(dedupe({ key: 'question', method: 'exact', threshold: 0.1 }))).toBe(
        'abD|',
        expected,
      );
    });
  });

  test('a key function picks the text; rejected outcomes pass through untouched', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const r = rejected(a, [{ code: 'parse_failed', message: 'no JSON', block: 'generator' }]);
      const key = (record: Question) => record.question.slice(0, 7); // 'What is' / 'what is' / 'How man'
      const B = rejected(b, [{ code: 'duplicate', message: 'Rouge-L 1 >= threshold 1 to a kept record', block: 'dedup' }]);
      expectObservable(cold('rabc|', { ...values, r }).pipe(dedupe({ key }))).toBe('raBc|', { ...values, r, B });
    });
  });

  test('a key function that throws rejects the record with dedupe_key_invalid', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const key = (record: Question): string => {
        if (record.question.startsWith('How')) throw new Error('no text');
        return record.question;
      };
      const C = rejected(c, [{ code: 'dedupe_key_invalid', message: 'cannot read the text to compare: no text', block: 'dedup' }]);
      expectObservable(cold('ac|', values).pipe(dedupe({ key }))).toBe('aC|', { a, C });
    });
  });

  test('a missing or non-string field rejects the record with dedupe_key_invalid', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const m = accepted<Question>('5', { text: 'x' } as unknown as Question);
      const n = accepted<Question>('6', { question: 42 } as unknown as Question);
      const invalid = (outcome: Outcome<Question>, type: string) =>
        rejected(outcome, [
          {
            code: 'dedupe_key_invalid',
            message: `cannot read the text to compare: field \`question\` is ${type}, expected a string`,
            block: 'dedup',
            path: ['question'],
          },
        ]);
      expectObservable(cold('mna|', { m, n, a }).pipe(dedupe({ key: 'question' }))).toBe('MNa|', {
        a,
        M: invalid(m, 'undefined'),
        N: invalid(n, 'number'),
      });
    });
  });

  test('restored outcomes seed the index and pass through', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const s = restore('What is the capital of France?');
      const t = { status: 'restored', id: '', record: { task_name: 'qa', is_seed: false } } as const satisfies Restored;
      const A = duplicateOf(a, 'Rouge-L 1 >= threshold 0.8 to a kept record');
      expectObservable(cold('stac|', { ...values, s, t }).pipe(dedupe({ key: 'question', threshold: 0.8 }))).toBe('stAc|', {
        ...values,
        s,
        t,
        A,
      });
    });
  });

  test('a never-ending source: near-duplicates are rejected as they arrive, and it never completes', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const B = duplicateOf(b, 'Rouge-L 1 >= threshold 0.5 to a kept record');
      expectObservable(hot('-a--b--c--', values).pipe(dedupe({ key: 'question', threshold: 0.5 }))).toBe('-a--B--c--', { ...values, B });
    });
  });

  test('a synchronous endless source of near-duplicates stops once downstream has its rejections too', () => {
    let produced = 0;
    function* questions(): Generator<Outcome<Question>> {
      for (;;) yield ask(produced, `question number ${produced++}`);
    }
    const taken: Outcome<Question>[] = [];
    from(questions())
      .pipe(dedupe({ key: 'question', threshold: 0.6 }), take(3))
      .subscribe((outcome) => taken.push(outcome));
    expect(taken.map((outcome) => outcome.status)).toEqual(['accepted', 'rejected', 'rejected']);
    expect(produced).toBe(3);
  });

  test('two subscriptions of one operator keep independent state', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const operator = dedupe<Question>({ key: 'question', threshold: 0.9 });
      const B = duplicateOf(b, 'Rouge-L 1 >= threshold 0.9 to a kept record');
      const source = cold('ab|', values);
      expectObservable(source.pipe(operator)).toBe('aB|', { a, B });
      expectObservable(source.pipe(operator)).toBe('aB|', { a, B });
      expectObservable(cold('-b|', values).pipe(operator)).toBe('-b|', values);
    });
  });

  test('a resubscription after completion starts from an empty index', async () => {
    const deduped = of(a, b).pipe(dedupe({ key: 'question', threshold: 0.9 }));
    const first = await firstValueFrom(deduped.pipe(toArray()));
    const second = await firstValueFrom(deduped.pipe(toArray()));
    expect(second).toEqual(first);
    expect(await firstValueFrom(EMPTY.pipe(dedupe({ key: 'question' }), toArray()))).toEqual([]);
  });

  describe('bad config throws a ConfigError at the factory call', () => {
    const cases: [string, unknown, RegExp][] = [
      ['threshold of the wrong type', { key: 'q', threshold: '0.9' }, /dedupe: invalid config at `threshold`: .*expected number, received string/],
      ['threshold of 0', { key: 'q', threshold: 0 }, /dedupe: invalid config at `threshold`: .*>0/],
      ['missing key', {}, /dedupe: invalid config at `key`: expected a field name or a function, received undefined/],
      ['empty key', { key: '' }, /dedupe: invalid config at `key`: expected a field name or a function, received string/],
      ['key of the wrong type', { key: 3 }, /dedupe: invalid config at `key`: expected a field name or a function, received number/],
      ['unknown method', { key: 'q', method: 'jaccard' }, /dedupe: invalid config at `method`: .*"rouge-l"\|"exact"/],
      ['empty name', { key: 'q', name: '' }, /dedupe: invalid config at `name`/],
      ['unknown field', { key: 'q', treshold: 0.9 }, /dedupe: invalid config at .*treshold/],
      ['no config', undefined, /dedupe: invalid config at .*expected object, received undefined/],
    ];
    test.each(cases)('%s', (_, config, message) => {
      const build = () => dedupe(config as DedupeConfig<Question>);
      expect(build).toThrow(message);
      expect(build).toThrow(ConfigError);
    });
  });
});

describe('dedupe decides exact duplicates as a full comparison of the texts would', () => {
  /** Questions with many repeats: the same few phrasings re-cased, re-spaced, re-punctuated, plus token-free texts. */
  function questions(count: number, seed: number): string[] {
    const random = seededRandom(seed);
    const pick = <V>(values: readonly V[]): V => values[Math.floor(random() * values.length)]!;
    const subjects = ['France', 'Peru', 'Mali', 'Laos', 'Chad', 'Fiji'];
    const stems = ['What is the capital of', 'Where is', 'How big is', 'What is the capital of the country'];
    const bases = subjects.flatMap((subject) => stems.map((stem) => `${stem} ${subject}`)).concat(['', '?!', 'こんにちは', '\uD800']);
    return Array.from({ length: count }, () => {
      const base = pick(bases);
      const cased = random() < 0.3 ? base.toLowerCase() : base;
      return `${pick(['', ' ', '\n'])}${cased}${pick(['', '?', ' ?', '.', '  '])}`;
    });
  }

  /** Restored records (30%) seed the kept set; the rest are accepted outcomes to decide. */
  function outcomesOf(texts: readonly string[]): Outcome<Question>[] {
    const random = seededRandom(5);
    return texts.map((question, index): Outcome<Question> =>
      random() < 0.3
        ? { status: 'restored', id: `restored-${index}`, record: { task_name: 'qa', is_seed: false, question } }
        : accepted<Question>(`${index}-test`, { question }),
    );
  }

  async function statusesOf(outcomes: readonly Outcome<Question>[], config: DedupeConfig<Question>): Promise<string[]> {
    const results = await firstValueFrom(from(outcomes).pipe(dedupe(config), toArray()));
    return results.map((outcome) => outcome.status);
  }

  test('method exact: the same decisions as a Set of the trimmed texts', async () => {
    const texts = questions(3000, 31);
    const outcomes = outcomesOf(texts);
    const kept = new Set<string>();
    const expected = outcomes.map((outcome, index) => {
      const text = texts[index]!.trim();
      if (outcome.status === 'restored') return kept.add(text) && 'restored';
      if (kept.has(text)) return 'rejected';
      kept.add(text);
      return 'accepted';
    });
    expect(await statusesOf(outcomes, { key: 'question', method: 'exact' })).toEqual(expected);
    expect(expected.filter((status) => status === 'rejected').length).toBeGreaterThan(1000);
    expect(kept.size).toBeGreaterThan(50);
  });

  test('rouge-l at threshold 1: the same decisions as a brute-force Rouge-L F1 = 1 scan', async () => {
    const texts = questions(2000, 32);
    const outcomes = outcomesOf(texts);
    const kept: { text: string; tokens: string[] }[] = [];
    const isDuplicate = (text: string, tokens: string[]): boolean =>
      kept.some((other) =>
        tokens.length === 0 && other.tokens.length === 0 ? text === other.text : rougeLTokens(tokens, other.tokens) >= 1,
      );
    const expected = outcomes.map((outcome, index) => {
      const text = texts[index]!;
      const tokens = tokenize(text);
      if (outcome.status === 'restored') return kept.push({ text, tokens }) && 'restored';
      if (isDuplicate(text, tokens)) return 'rejected';
      kept.push({ text, tokens });
      return 'accepted';
    });
    expect(await statusesOf(outcomes, { key: 'question' })).toEqual(expected);
    expect(expected.filter((status) => status === 'rejected').length).toBeGreaterThan(1000);
    // Token-free texts differing only in spacing ('' and ' ') are told apart, as Rouge-L does.
    expect(new Set(expected.filter((_, index) => tokenize(texts[index]!).length === 0))).toEqual(new Set(['rejected', 'accepted', 'restored']));
  });
});

describe('dedupe method minhash', () => {
  const base = 'the quick brown fox jumps over the lazy dog near the quiet river bank at dawn';
  const oneWord = 'the quick brown fox jumps over the lazy dog near the quiet river bank at dusk';
  const twoWords = 'the quick brown fox leaps over the lazy dog near the quiet river bank at dusk';
  const similarity = (left: string, right: string) => jaccard(shingleHashes(left, 3), shingleHashes(right, 3));

  test('rejects a text whose 3-word-shingle Jaccard to a kept one reaches 0.8 by default, naming it', async () => {
    expect(similarity(oneWord, base)).toBeGreaterThanOrEqual(0.8);
    expect(similarity(twoWords, base)).toBeLessThan(0.8);
    const outcomes = [ask(0, base), ask(1, oneWord), ask(2, twoWords), ask(3, `${base.toUpperCase()}!`)];
    const results = await firstValueFrom(from(outcomes).pipe(dedupe<Question>({ key: 'question', method: 'minhash' }), toArray()));
    const shown = Number(similarity(oneWord, base).toFixed(2));
    expect(results).toEqual([
      outcomes[0],
      duplicateOf(outcomes[1]!, `Jaccard ${shown} >= threshold 0.8 to a kept record`),
      outcomes[2],
      duplicateOf(outcomes[3]!, 'Jaccard 1 >= threshold 0.8 to a kept record'),
    ]);
  });

  test('takes the threshold, shingle size and permutations it is given; restored records seed it', async () => {
    const outcomes = [restore(base), ask(1, twoWords), ask(2, 'a completely different question about bees')];
    const config = { key: 'question', method: 'minhash', threshold: 0.5, shingleSize: 2, permutations: 128 } as const;
    const results = await firstValueFrom(from(outcomes).pipe(dedupe<Question>(config), toArray()));
    expect(results.map((outcome) => outcome.status)).toEqual(['restored', 'rejected', 'accepted']);
  });

  test('a threshold above 1 keeps everything', async () => {
    const outcomes = [ask(0, base), ask(1, base)];
    const results = await firstValueFrom(from(outcomes).pipe(dedupe<Question>({ key: 'question', method: 'minhash', threshold: 1.1 }), toArray()));
    expect(results).toEqual(outcomes);
  });

  test('decides as a MinHashIndex over the same texts does, restored records included', async () => {
    const random = seededRandom(77);
    const texts = Array.from({ length: 2000 }, (_, i) => `${base.split(' ').slice(0, 4 + (i % 12)).join(' ')} ${Math.floor(random() * 300)}`);
    const outcomes = texts.map((question, index): Outcome<Question> =>
      index % 5 === 0 ? { status: 'restored', id: `r-${index}`, record: { task_name: 'qa', is_seed: false, question } } : ask(index, question),
    );
    const index = new MinHashIndex({ threshold: 0.8 });
    const expected = outcomes.map((outcome, position) => {
      if (outcome.status !== 'restored') return index.admit(texts[position]!) === undefined ? 'accepted' : 'rejected';
      index.add(texts[position]!);
      return 'restored';
    });
    const results = await firstValueFrom(from(outcomes).pipe(dedupe<Question>({ key: 'question', method: 'minhash' }), toArray()));
    expect(results.map((outcome) => outcome.status)).toEqual(expected);
    expect(expected.filter((status) => status === 'rejected').length).toBeGreaterThan(100);
  });

  test.each([
    ['shingleSize without minhash', { key: 'q', shingleSize: 3 }, /dedupe: invalid config at `shingleSize`: applies to method `minhash` only, not `rouge-l`/],
    ['permutations with exact', { key: 'q', method: 'exact', permutations: 64 }, /invalid config at `permutations`: applies to method `minhash` only, not `exact`/],
    ['permutations of 0', { key: 'q', method: 'minhash', permutations: 0 }, /invalid config at `permutations`/],
    ['a fractional shingle size', { key: 'q', method: 'minhash', shingleSize: 2.5 }, /invalid config at `shingleSize`/],
  ])('bad config: %s', (_, config, message) => {
    expect(() => dedupe(config as DedupeConfig<Question>)).toThrow(message);
  });
});

describe('dedupe reads text in any script', () => {
  test('rouge-l at threshold 1 rejects a Japanese question that differs only in punctuation', async () => {
    const outcomes = [ask(0, '東京の人口はどのくらいですか？'), ask(1, '東京の人口は、どのくらいですか'), ask(2, '大阪の人口はどのくらいですか？')];
    const results = await firstValueFrom(from(outcomes).pipe(dedupe<Question>({ key: 'question' }), toArray()));
    expect(results.map((outcome) => outcome.status)).toEqual(['accepted', 'rejected', 'accepted']);
  });
});

describe('dedupe key typing', () => {
  test('a key that is not a field of a typed record is a type error; any string is fine on a plain record', () => {
    // @ts-expect-error: 'questoin' is not a field of Question.
    expect(() => dedupe<Question>({ key: 'questoin' })).not.toThrow();
    expect(() => dedupe<Question>({ key: (record) => record.question })).not.toThrow();
    expect(() => dedupe<DataPoint>({ key: 'anything' })).not.toThrow();
  });
});
