import { EMPTY, Subject, from, lastValueFrom, throwError, toArray } from 'rxjs';
import { afterEach, describe, expect, test } from 'vitest';
import { type EmbeddedGroup, embedInOrder } from '../../../lib/blocks/embedding/embed-in-order.ts';
import { ApiCallError } from '../../../lib/errors/api-call-error.ts';
import { clearAdmissions } from '../../../lib/model/admission-registry.ts';
import { createEmbeddingEngine } from '../../../lib/model/embedding-engine.ts';
import type { EmbeddingModel, EmbeddingResult } from '../../../lib/model/embedding-model.ts';
import { waitFor } from '../../helpers/wait-for.ts';

afterEach(() => clearAdmissions());

/** A model whose calls wait until released, recording each batch and its signal. */
function heldModel() {
  const calls: { texts: string[]; signal: AbortSignal; release: (result?: EmbeddingResult | Error) => void }[] = [];
  const model: EmbeddingModel = {
    specificationVersion: 'v1',
    provider: 'held',
    modelId: 'm',
    endpoint: `held://${Math.random()}`,
    doEmbed: (texts, { signal }) =>
      new Promise((resolve, reject) => {
        calls.push({
          texts: [...texts],
          signal,
          release: (result) => (result instanceof Error ? reject(result) : resolve(result ?? { vectors: texts.map((text) => [text.length, 1]), usage: { promptTokens: texts.length } })),
        });
      }),
  };
  return { model, calls };
}

const texts = (groups: readonly EmbeddedGroup<string>[]) => groups.map((group) => group.items);

describe('embedInOrder', () => {
  test('a slow stream sends each item at once; a burst fills groups while calls are busy; groups come out in order', async () => {
    const { model, calls } = heldModel();
    const engine = createEmbeddingEngine(model, { callLimit: 2, batchSize: 3, cacheSize: 0 });
    const source = new Subject<string>();
    const seen: EmbeddedGroup<string>[] = [];
    let done = false;
    source.pipe(embedInOrder(engine, (text) => text)).subscribe({ next: (group) => seen.push(group), complete: () => (done = true) });
    source.next('a');
    expect(calls.map((call) => call.texts)).toEqual([['a']]);
    for (const text of ['b', 'c', 'd', 'e', 'f']) source.next(text);
    source.complete();
    // Two calls at most: 'b' went alone into the second slot; the rest waits for a free one.
    expect(calls.map((call) => call.texts)).toEqual([['a'], ['b']]);
    calls[1]!.release();
    await waitFor(() => calls.length === 3);
    expect(calls[2]!.texts).toEqual(['c', 'd', 'e']);
    expect(seen).toEqual([]); // 'a' is not done, so nothing after it goes out
    calls[0]!.release();
    await waitFor(() => calls.length === 4);
    calls[2]!.release();
    calls[3]!.release();
    await waitFor(() => done);
    expect(texts(seen)).toEqual([['a'], ['b'], ['c', 'd', 'e'], ['f']]);
    expect(Array.from(seen[2]!.vectors[1]!)).toEqual([1, 1]);
    expect(seen[2]!.usage?.promptTokens).toBe(3);
  });

  test('items without a text ride along with no vector; a group of none makes no call', async () => {
    const { model, calls } = heldModel();
    const engine = createEmbeddingEngine(model, { callLimit: 1, batchSize: 2, cacheSize: 0 });
    const result = lastValueFrom(from(['-', 'a', '-', 'b', 'c']).pipe(embedInOrder(engine, (text) => (text === '-' ? undefined : text)), toArray()));
    await waitFor(() => calls.length === 1);
    expect(calls[0]!.texts).toEqual(['a']);
    calls[0]!.release();
    await waitFor(() => calls.length === 2);
    calls[1]!.release();
    const groups = await result;
    expect(groups.map((group) => group.items)).toEqual([['-'], ['a'], ['-', 'b', 'c']]);
    expect(groups[2]!.vectors.map((vector) => vector?.length)).toEqual([undefined, 2, 2]);
  });

  test('a failed call gives its group the error and the stream goes on; a 401 ends the stream', async () => {
    const { model, calls } = heldModel();
    const engine = createEmbeddingEngine(model, { callLimit: 1, maxRetries: 0, cacheSize: 0 });
    const result = lastValueFrom(from(['a', 'b']).pipe(embedInOrder(engine, (text) => text), toArray()));
    await waitFor(() => calls.length === 1);
    calls[0]!.release(new ApiCallError('answered 400: bad input', { url: 'held://', statusCode: 400 }));
    await waitFor(() => calls.length === 2);
    calls[1]!.release();
    const [failed, fine] = await result;
    expect([failed!.error instanceof Error && failed!.error.message, failed!.vectors]).toEqual(['answered 400: bad input', [undefined]]);
    expect(fine!.error).toBeUndefined();

    const refused = lastValueFrom(from(['c']).pipe(embedInOrder(engine, (text) => text)));
    await waitFor(() => calls.length === 3);
    calls[2]!.release(new ApiCallError('answered 401', { url: 'held://', statusCode: 401 }));
    await expect(refused).rejects.toThrow('answered 401');
  });

  test('unsubscribing aborts the calls in flight', async () => {
    const { model, calls } = heldModel();
    const engine = createEmbeddingEngine(model, { callLimit: 2, cacheSize: 0 });
    const subscription = from(['a', 'b']).pipe(embedInOrder(engine, (text) => text)).subscribe();
    expect(calls).toHaveLength(2);
    subscription.unsubscribe();
    expect(calls.map((call) => call.signal.aborted)).toEqual([true, true]);
  });

  test('an empty source completes at once; a source error passes on', async () => {
    const engine = createEmbeddingEngine(heldModel().model);
    await expect(lastValueFrom(EMPTY.pipe(embedInOrder(engine, (text: string) => text), toArray()))).resolves.toEqual([]);
    await expect(lastValueFrom(throwError(() => new Error('upstream')).pipe(embedInOrder(engine, (text: string) => text)))).rejects.toThrow('upstream');
  });
});
