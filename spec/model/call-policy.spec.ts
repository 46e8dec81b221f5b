import { firstValueFrom, lastValueFrom, merge, toArray } from 'rxjs';
import { afterEach, describe, expect, test } from 'vitest';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { RetryError } from '../../lib/errors/retry-error.ts';
import { clearAdmissions } from '../../lib/model/admission-registry.ts';
import { CallPolicy, admissionKey } from '../../lib/model/call-policy.ts';
import { recordingScheduler } from '../helpers/recording-scheduler.ts';

afterEach(() => clearAdmissions());

const noReports = () => ({});
const failing = (status: number, retryAfterMs?: number) => new ApiCallError(`answered ${status}`, { url: 'http://x', statusCode: status, retryAfterMs });

describe('CallPolicy', () => {
  test('retries a retryable failure with exponential backoff, and a Retry-After wins over it', async () => {
    const { scheduler, delays } = recordingScheduler();
    const policy = new CallPolicy({ endpoint: 'http://retry' }, { maxRetries: 3, retryDelayMs: 100, random: () => 1, scheduler, adaptive: false });
    const errors = [failing(500), failing(500, 1500), failing(502)];
    let calls = 0;
    const answer = await firstValueFrom(policy.run(async () => (calls < 3 ? Promise.reject(errors[calls++]) : 'done'), noReports));
    expect(answer).toBe('done');
    // 100 ms, then the 1.5 s the server asked for, then 400 ms (jitter at its top: the full delay).
    expect(delays.filter((delay) => delay > 0)).toEqual([100, 1500, 400]);
    expect(policy.stats).toEqual({ requests: 4, retries: 3, failures: 0 });
  });

  test('runs out of retries with a RetryError carrying every attempt; a failure that is not retryable is thrown as it is', async () => {
    const { scheduler } = recordingScheduler();
    const policy = new CallPolicy({ endpoint: 'http://out' }, { maxRetries: 2, retryDelayMs: 1, scheduler });
    const error = await firstValueFrom(policy.run(() => Promise.reject(failing(500)), noReports)).catch((caught: unknown) => caught);
    expect(RetryError.isInstance(error) && error.reason).toBe('max_retries_exceeded');
    expect((error as RetryError).errors).toHaveLength(3);

    const refused = failing(400);
    await expect(firstValueFrom(policy.run(() => Promise.reject(refused), noReports))).rejects.toBe(refused);
    expect(policy.stats).toMatchObject({ requests: 4, failures: 2 });
  });

  test('never runs more than callLimit calls at once', async () => {
    const policy = new CallPolicy({ endpoint: 'http://limit' }, { callLimit: 2 });
    let running = 0;
    let most = 0;
    const call = async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      return running;
    };
    await lastValueFrom(merge(...Array.from({ length: 6 }, () => policy.run(call, noReports))).pipe(toArray()));
    expect(most).toBe(2);
  });

  test('unsubscribing aborts the call signal', async () => {
    const policy = new CallPolicy({ endpoint: 'http://abort' });
    let seen: AbortSignal | undefined;
    const subscription = policy.run((signal) => ((seen = signal), new Promise<never>(() => {})), noReports).subscribe();
    subscription.unsubscribe();
    expect(seen?.aborted).toBe(true);
  });

  test('unsubscribing during a backoff wait sends no further try; a try that is not retryable after a retry ends in RetryError', async () => {
    const policy = new CallPolicy({ endpoint: 'http://wait' }, { maxRetries: 3, retryDelayMs: 50, adaptive: false });
    let calls = 0;
    const subscription = policy.run(() => ((calls += 1), Promise.reject(failing(500))), noReports).subscribe({ error: () => undefined });
    await new Promise((resolve) => setTimeout(resolve, 5));
    subscription.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(calls).toBe(1);
    expect(policy.limiter.activeCount).toBe(0);

    const { scheduler } = recordingScheduler();
    const mixed = new CallPolicy({ endpoint: 'http://mixed' }, { maxRetries: 3, retryDelayMs: 1, scheduler });
    const answers = [failing(500), failing(400)];
    let tries = 0;
    const error = await firstValueFrom(mixed.run(() => Promise.reject(answers[tries++]), noReports)).catch((caught: unknown) => caught);
    expect(RetryError.isInstance(error) && [error.reason, error.errors]).toEqual(['not_retryable', answers]);
    expect(mixed.stats).toEqual({ requests: 2, retries: 1, failures: 1 });
  });

  test('a call that throws before returning a promise frees its slots; unsubscribing during the backoff that follows stops the retries', async () => {
    const policy = new CallPolicy({ endpoint: 'http://sync-throw' }, { callLimit: 1, maxRetries: 0 });
    const thrown = new Error('thrown at once');
    await expect(
      firstValueFrom(
        policy.run(() => {
          throw thrown;
        }, noReports),
      ),
    ).rejects.toBe(thrown);
    expect(policy.limiter.activeCount).toBe(0);
    // The one slot is free again: the next call runs.
    expect(await firstValueFrom(policy.run(async () => 'next', noReports))).toBe('next');

    const retrying = new CallPolicy({ endpoint: 'http://sync-throw-retry' }, { maxRetries: 3, retryDelayMs: 50, adaptive: false });
    let calls = 0;
    const errors: unknown[] = [];
    const subscription = retrying
      .run(() => {
        calls += 1;
        throw failing(503);
      }, noReports)
      .subscribe({ error: (error: unknown) => errors.push(error) });
    await new Promise((resolve) => setTimeout(resolve, 5));
    subscription.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect([calls, errors, retrying.limiter.activeCount]).toEqual([1, [], 0]);
  });

  test('runCall hands the call its options: a signal made only when read, aborted by unsubscribing', async () => {
    const policy = new CallPolicy({ endpoint: 'http://options' });
    expect(await firstValueFrom(policy.runCall(async () => 'answer', noReports))).toBe('answer');
    let seen: AbortSignal | undefined;
    const subscription = policy.runCall((options) => ((seen = options.signal), new Promise<never>(() => {})), noReports).subscribe();
    expect(seen?.aborted).toBe(false);
    subscription.unsubscribe();
    expect(seen?.aborted).toBe(true);
  });

  test('reports each answer to the admission: usage and rate-limit headers', async () => {
    const policy = new CallPolicy({ credential: 'c1', endpoint: 'http://report' }, { callLimit: 4 });
    await firstValueFrom(
      policy.run(
        async () => 'ok',
        () => ({ usage: { promptTokens: 80, completionTokens: 20 }, headers: { 'x-ratelimit-limit-requests': '600' } }),
      ),
    );
    expect(policy.admission.state).toMatchObject({ rpm: 600, tokensPerRequest: 100 });
  });

  test('policies of one credential and endpoint share one admission; another credential has its own', () => {
    const first = new CallPolicy({ credential: 'abc', endpoint: 'http://shared' }, { callLimit: 2 });
    const second = new CallPolicy({ credential: 'abc', endpoint: 'http://shared' }, { callLimit: 5 });
    const other = new CallPolicy({ credential: 'xyz', endpoint: 'http://shared' });
    expect(second.admission).toBe(first.admission);
    expect(first.admission.state.maxConcurrency).toBe(5);
    expect(other.admission).not.toBe(first.admission);
    expect(admissionKey({ endpoint: 'http://e' })).toBe('no-credential@http://e');
  });

  test('a bad config is a ConfigError naming the field', () => {
    expect(() => new CallPolicy({ endpoint: 'http://bad' }, { callLimit: 0 })).toThrow(ConfigError);
    expect(() => new CallPolicy({ endpoint: 'http://bad' }, { maxRetries: -1 })).toThrow(/`maxRetries`/);
  });
});
