import { from, lastValueFrom, take, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { type EngineResult, createEngine } from '../../lib/model/engine.ts';
import type { CallOptions, ModelRequest, ModelResult } from '../../lib/model/language-model.ts';
import type { ResponseCache } from '../../lib/model/response-cache.ts';
import { accepted, rejected } from '../../lib/outcome.ts';
import type { Outcome } from '../../lib/record.ts';
import { FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';
import { generate } from '../../operators/generate.ts';

/** What a call's handlers heard, in order. */
function listener(heard: string[], onNext: () => void = () => undefined) {
  return {
    next: (result: EngineResult) => {
      heard.push(`next ${result.texts.join(',')}`);
      onNext();
    },
    error: (error: unknown) => heard.push(`error ${(error as Error).message}`),
    complete: () => heard.push('complete'),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** An `lm_cache` whose reads fail from the `failFrom`-th on (a SQLite I/O error, say). */
function failingCache(failFrom: number): ResponseCache {
  let reads = 0;
  return {
    get: () => {
      reads += 1;
      if (reads >= failFrom) throw new Error('disk I/O error');
      return undefined;
    },
    set: () => undefined,
    close: () => undefined,
  };
}

describe('Engine.start', () => {
  test('hears the answer then its end; a cancel from inside next hears nothing more', async () => {
    const engine = createEngine(new FakeLanguageModel({ answers: 'A.' }));
    const heard: string[] = [];
    engine.start({ method: 'completion', prompt: 'Q?' }, listener(heard));
    const cancelledHeard: string[] = [];
    const cancel = engine.start({ method: 'completion', prompt: 'Q?' }, listener(cancelledHeard, () => cancel()));
    await settle();
    expect(heard).toEqual(['next A.', 'complete']);
    expect(cancelledHeard).toEqual(['next A.']);
  });

  test('an answer the engine cannot count is one error, and a cache that cannot be read fails the call, not the caller', async () => {
    class NoUsage extends FakeLanguageModel {
      override async doGenerate(request: ModelRequest, options: CallOptions): Promise<ModelResult> {
        const { texts } = await super.doGenerate(request, options);
        return { texts, finishReason: 'stop' } as unknown as ModelResult;
      }
    }
    const heard: string[] = [];
    createEngine(new NoUsage({ answers: 'x' })).start({ method: 'completion', prompt: 'p' }, listener(heard));
    const cacheHeard: string[] = [];
    let cancel: (() => void) | undefined;
    expect(() => (cancel = createEngine(new FakeLanguageModel({ answers: 'x' }), { diskCache: failingCache(1) }).start({ method: 'completion', prompt: 'p', temperature: 0 }, listener(cacheHeard)))).not.toThrow();
    cancel?.();
    await settle();
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatch(/^error /);
    expect(cacheHeard).toEqual(['error disk I/O error']);
  });

  test('a handler that throws still gives the slot back: the next call of a call_limit 1 engine is answered', async () => {
    const engine = createEngine(new FakeLanguageModel({ answers: 'x' }), { callLimit: 1 });
    const unhandled: unknown[] = [];
    const onUnhandled = (error: unknown) => unhandled.push(error);
    process.on('unhandledRejection', onUnhandled);
    try {
      engine.start({ method: 'completion', prompt: 'a' }, { next: () => { throw new Error('handler threw'); }, error: () => undefined, complete: () => undefined });
      await settle();
      const heard: string[] = [];
      engine.start({ method: 'completion', prompt: 'b' }, listener(heard));
      await settle();
      expect(heard).toEqual(['next x', 'complete']);
      expect(engine.limiter.activeCount).toBe(0);
      expect(unhandled.map((error) => (error as Error).message)).toEqual(['handler threw']);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('generate over Engine.start', () => {
  test('a cache that fails on the repair call rejects the record (lm_call_failed) and frees the slot', async () => {
    const model = new FakeLanguageModel({ answers: ['not json', '{"a":"ok"}'] });
    const engine = createEngine(model, { diskCache: failingCache(2), callLimit: 1, params: { temperature: 0 } });
    const outcomes = await lastValueFrom(
      from([accepted('0-a', { q: 'Q?' })]).pipe(generate({ engine, prompt: (record: { q: string }) => record.q, schema: z.object({ a: z.string() }) }), toArray()),
    );
    expect(outcomes.map((outcome) => [outcome.status, outcome.status === 'rejected' ? outcome.issues.map((issue) => `${issue.code}: ${issue.message}`) : []])).toEqual([
      ['rejected', ['lm_call_failed: disk I/O error']],
    ]);
    expect(engine.limiter.activeCount).toBe(0);
  });

  test('take(3) downstream of a long synchronous source of passed-through outcomes stops pulling from it', async () => {
    const engine = createEngine(new FakeLanguageModel({ answers: 'x' }));
    let pulled = 0;
    // Long, not endless: a source that is never stopped is read to its end (and the test fails), not forever.
    function* endless(): Generator<Outcome<unknown>> {
      while (pulled < 100_000) {
        pulled += 1;
        yield rejected(accepted(`${pulled}-a`, {}), [{ code: 'earlier', message: 'rejected upstream', block: 'b' }]);
      }
    }
    const taken = await lastValueFrom(from(endless()).pipe(generate({ engine, prompt: () => 'p' }), take(3), toArray()));
    expect(taken).toHaveLength(3);
    expect(pulled).toBeLessThanOrEqual(4);
  });
});
