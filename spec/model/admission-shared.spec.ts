import { NEVER, Subject, lastValueFrom, of, throwError } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { Admission, type AdmissionConfig } from '../../lib/model/admission.ts';
import type { SharedLimits, SharedReading, SharedTake } from '../../lib/model/shared-limits.ts';

/** Shared limits in memory that log every call; `refuse` and `failTake` script the answers to `take`. */
class FakeLimits implements SharedLimits {
  readonly log: string[] = [];
  readonly held = new Set<string>();
  readonly readings: SharedReading[] = [];
  started = 0;
  refuse = 0;
  failTake: Error | undefined;
  newEvent = true;

  async take(tokens: number, cap: number): Promise<SharedTake> {
    this.log.push(`take ${tokens} cap ${cap}`);
    if (this.failTake !== undefined) throw this.failTake;
    if (this.refuse > 0 || this.held.size >= cap) {
      this.refuse = Math.max(0, this.refuse - 1);
      return { granted: false, waitMs: 1 };
    }
    const lease = `lease-${this.started}`;
    this.held.add(lease);
    return { granted: true, lease, sequence: this.started++, startedAt: 1000 };
  }

  async release(lease: string, tokenDelta: number): Promise<void> {
    this.log.push(`release ${lease} ${tokenDelta}`);
    this.held.delete(lease);
  }

  async charge(tokens: number): Promise<void> {
    this.log.push(`charge ${tokens}`);
  }

  async learn(reading: SharedReading): Promise<void> {
    this.readings.push(reading);
  }

  async pause(ms: number): Promise<void> {
    this.log.push(`pause ${ms}`);
  }

  async throttle(sequence: number, retryAfterMs: number | undefined, cooldownMs: number): Promise<boolean> {
    this.log.push(`throttle ${sequence} ${retryAfterMs} ${cooldownMs}`);
    return this.newEvent;
  }
}

/** Lets every settled promise's callbacks and the timers due now run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

function sharedAdmission(config: Partial<AdmissionConfig> = {}): [Admission, FakeLimits] {
  const limits = new FakeLimits();
  return [new Admission({ maxConcurrency: 4, ...config, shared: limits }), limits];
}

const releases = (limits: FakeLimits) => limits.log.filter((line) => line.startsWith('release'));

describe('Admission with shared limits: the store holds the numbers, the lease goes back once', () => {
  test('a lease goes back exactly once whether the request succeeds, fails, or is cancelled while running', async () => {
    const [admission, limits] = sharedAdmission();
    await lastValueFrom(admission.run(() => of('answer')));
    await lastValueFrom(admission.run(() => throwError(() => new Error('400')))).catch(() => undefined);
    const running = admission.run(() => NEVER).subscribe();
    await settle();
    running.unsubscribe();
    running.unsubscribe();
    await settle();
    expect(releases(limits)).toEqual(['release lease-0 0', 'release lease-1 0', 'release lease-2 0']);
    expect(limits.held.size).toBe(0);
    expect(admission.state).toMatchObject({ active: 0, queued: 0 });
  });

  test('a request cancelled while its lease is being asked for leaves it to the next one; with none, the lease goes back', async () => {
    const [admission, limits] = sharedAdmission();
    const first = admission.run(() => of('first')).subscribe();
    const seen: string[] = [];
    admission.run(() => of('second')).subscribe((value) => seen.push(value));
    first.unsubscribe();
    await settle();
    expect(seen).toEqual(['second']);
    const alone = admission.run(() => of('alone')).subscribe();
    alone.unsubscribe();
    await settle();
    expect(limits.held.size).toBe(0);
    expect(releases(limits)).toEqual(['release lease-0 0', 'release lease-1 0']);
  });

  test('a store that cannot be asked fails the waiting request with its error, and the queue goes on', async () => {
    const [admission, limits] = sharedAdmission();
    limits.failTake = new Error('redis: cannot take an admission lease: ECONNREFUSED');
    const outcomes = await Promise.all(
      ['a', 'b'].map((name) =>
        lastValueFrom(admission.run(() => of(name))).then(
          (value) => `answer ${value}`,
          (error: Error) => `error ${error.message}`,
        ),
      ),
    );
    expect(outcomes).toEqual(['error redis: cannot take an admission lease: ECONNREFUSED', 'error redis: cannot take an admission lease: ECONNREFUSED']);
    limits.failTake = undefined;
    await expect(lastValueFrom(admission.run(() => of('c')))).resolves.toBe('c');
    expect(admission.state).toMatchObject({ active: 0, queued: 0 });
  });

  test('a refusal waits the time it names, then asks again; the cap asked for is the admission\'s', async () => {
    const [admission, limits] = sharedAdmission({ maxConcurrency: 3 });
    limits.refuse = 2;
    await expect(lastValueFrom(admission.run(() => of('late'), 120))).resolves.toBe('late');
    expect(limits.log.filter((line) => line.startsWith('take'))).toEqual(['take 120 cap 3', 'take 120 cap 3', 'take 120 cap 3']);
  });

  test('usage trues the TPM charge up with the lease; a usage reported after the lease went back is charged on its own', async () => {
    const [admission, limits] = sharedAdmission();
    const usage = { promptTokens: 300, completionTokens: 200 };
    await lastValueFrom(admission.run(() => of('paired'), { estimatedTokens: 100, reportOf: () => ({ usage }) }));
    await lastValueFrom(admission.run(() => of('unpaired'), 100));
    admission.succeeded(usage);
    await settle();
    expect(limits.log.filter((line) => !line.startsWith('take'))).toEqual(['release lease-0 400', 'release lease-1 0', 'charge 400']);
  });

  test('a throttle goes to the store with the store\'s sequence of the request; the process cuts only for a new event', async () => {
    const [admission, limits] = sharedAdmission({ maxConcurrency: 8, cooldownMs: 0 });
    const failureOf = () => ({ throttle: true, retryAfterMs: 300 });
    limits.started = 41;
    await lastValueFrom(admission.run(() => throwError(() => new Error('429')), { failureOf })).catch(() => undefined);
    await settle();
    expect(admission.state.concurrency).toBe(6);
    limits.newEvent = false;
    await lastValueFrom(admission.run(() => throwError(() => new Error('429')), { failureOf: () => ({ throttle: true }) })).catch(() => undefined);
    await settle();
    expect(admission.state.concurrency).toBe(6);
    expect(limits.log.filter((line) => line.startsWith('throttle'))).toEqual(['throttle 41 300 0', 'throttle 42 undefined 0']);
  });

  test('headers go to the store with the request\'s sequence, the tokens of each later request, and a pause when a limit is spent', async () => {
    const [admission, limits] = sharedAdmission({ cooldownMs: 700 });
    const headers = { 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-limit-tokens': '9000', 'x-ratelimit-remaining-tokens': '50' };
    const answer = new Subject<string>();
    const report = lastValueFrom(admission.run(() => answer, { reportOf: () => ({ headers, usage: { promptTokens: 10, completionTokens: 2 } }) }));
    await settle();
    answer.next('ok');
    answer.complete();
    await report;
    admission.observeHeaders({ 'x-ratelimit-remaining-tokens': '7' });
    expect(limits.readings).toEqual([
      { sequence: 0, startedAt: 1000, rpm: 600, tpm: 9000, remainingRequests: 0, remainingTokens: 50, tokensPerRequest: 0, pauseMs: 100 },
      { sequence: undefined, startedAt: undefined, rpm: undefined, tpm: undefined, remainingRequests: undefined, remainingTokens: 7, tokensPerRequest: 12, pauseMs: undefined },
    ]);
    expect(admission.state).toMatchObject({ pausedUntil: undefined, rpmAvailable: undefined });
  });

  test('a public throttle cuts here and pauses every process', async () => {
    const [admission, limits] = sharedAdmission({ maxConcurrency: 8 });
    admission.throttled(250);
    await settle();
    expect(admission.state.concurrency).toBe(6);
    expect(limits.log).toEqual(['pause 250']);
  });
});
