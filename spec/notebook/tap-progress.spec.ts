import { Subject, lastValueFrom, of, take, throwError, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { progressView } from '../../lib/notebook/progress-view.ts';
import { tapProgress } from '../../lib/notebook/tap-progress.ts';
import { fakeTslab } from './fake-tslab.ts';

const view = () => progressView({ tslab: fakeTslab(), intervalMs: 0, now: () => 0 });

describe('tapProgress', () => {
  test('passes every value through, counting records, and ends the view completed', async () => {
    const watched = view();
    expect(await lastValueFrom(of(1, 2, 3).pipe(tapProgress(watched), toArray()))).toEqual([1, 2, 3]);
    expect(watched.state).toMatchObject({ records: 3, rejected: 0, status: 'completed' });
  });

  test('counts the values `rejected` picks as rejects', async () => {
    const watched = view();
    const outcomes = of({ status: 'accepted' }, { status: 'rejected' }, { status: 'accepted' });
    await lastValueFrom(outcomes.pipe(tapProgress(watched, { rejected: (outcome) => outcome.status === 'rejected' }), toArray()));
    expect(watched.state).toMatchObject({ records: 2, rejected: 1 });
  });

  test('ends the view failed on an error, which goes on downstream', async () => {
    const watched = view();
    await expect(lastValueFrom(throwError(() => new Error('boom')).pipe(tapProgress(watched)))).rejects.toThrow('boom');
    expect(watched.state.status).toBe('failed');
  });

  test('ends the view stopped when unsubscribed early, and unsubscribes upstream', async () => {
    const watched = view();
    const source = new Subject<number>();
    const values = lastValueFrom(source.pipe(tapProgress(watched), take(2), toArray()));
    source.next(1);
    source.next(2);
    expect(await values).toEqual([1, 2]);
    expect(source.observed).toBe(false);
    expect(watched.state).toMatchObject({ records: 2, status: 'stopped' });
  });
});
