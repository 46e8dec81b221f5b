import { setMaxListeners } from 'node:events';
import stableStringify from 'fast-json-stable-stringify';
import { type SchedulerLike, type Subscription, asyncScheduler, timer } from 'rxjs';
import { z } from 'zod';
import { ApiCallError } from '../errors/api-call-error.ts';
import { parseConfig } from '../parse-config.ts';
import { hashHex } from '../random.ts';
import { schedulerSchema } from '../schemas.ts';
import type { BatchApi, BatchItemResult, BatchJournal, BatchLine, PendingBatch } from './batch-api.ts';
import { batchChunks } from './batch-chunks.ts';
import { BatchRejectedError } from '../errors/batch-rejected-error.ts';
import { type BatchScope, currentBatchScope, wantBatchScopes } from './batch-scope.ts';
import type { CallOptions, LanguageModel, ModelRequest, ModelResult } from './language-model.ts';

/** Settings of a batch model, in ms; the block fields (`batch_*`, seconds) are in brackets. */
export interface BatchModelConfig {
  /** Most requests per batch [`batch_max_requests`], within the provider's own limit. @default 1000 */
  readonly maxRequests?: number;
  /** Most bytes per batch. @default the provider's limit */
  readonly maxBytes?: number;
  /** A gathering is sent once no request has joined it for this long [`batch_window`]. @default 2000 */
  readonly windowMs?: number;
  /** First wait before a batch's state is asked [`batch_poll_interval`]; doubles per poll. @default 10000 */
  readonly pollIntervalMs?: number;
  /** The longest wait between polls [`batch_poll_max_interval`]. @default 300000 */
  readonly pollMaxIntervalMs?: number;
  /** Batches a request is sent in at most, when it expires or fails retryably [`batch_max_tries`]. @default 3 */
  readonly maxTries?: number;
  /** Polls in a row that may fail (a network error) before the batch's calls fail. @default 5 */
  readonly maxPollFailures?: number;
  /**
   * How long a staged batch (its upload journaled, its id unknown) that the provider does not list is looked for
   * again, from when this run began looking (a creation still in flight, a list that lags), before its calls go into
   * a new batch. @default 60000
   */
  readonly creationGraceMs?: number;
  /** Scheduler of the window and the polls; tests pass a virtual one. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

const configSchema = z.object({
  maxRequests: z.number().int().min(1).default(1000),
  maxBytes: z.number().int().min(1).optional(),
  windowMs: z.number().min(0).default(2000),
  pollIntervalMs: z.number().min(1).default(10_000),
  pollMaxIntervalMs: z.number().min(1).default(300_000),
  maxTries: z.number().int().min(1).default(3),
  maxPollFailures: z.number().int().min(1).default(5),
  creationGraceMs: z.number().min(0).default(60_000),
  scheduler: schedulerSchema,
});

/** A call waiting for its answer. */
interface Waiter {
  /** The id it waits under: its own (its line's), or an earlier run's of the same body that it claimed. */
  customId: string;
  readonly request: ModelRequest;
  line: BatchLine;
  tries: number;
  readonly scope: BatchScope | undefined;
  readonly resolve: (result: ModelResult) => void;
  readonly reject: (error: unknown) => void;
  done: boolean;
  /** Stops listening to the call's signal. */
  release?: () => void;
}

/**
 * A batch this model knows, in one of three phases: staged (looked for by its upload), polled (its own, or adopted
 * from a journal after a restart), or read (its results in, some answers not yet taken: in `read`).
 */
interface Tracked {
  /** The provider's batch id; the journal's `staged:<upload>` while `staged` (re-keyed once found). */
  id: string;
  /** A batch made from an upload and not yet known by id: it is looked for ({@link BatchApi.find}), not polled. */
  staged?: PendingBatch;
  /** When this run began looking for it (staged only): a miss is final only `creationGraceMs` after. */
  lookingSince?: number;
  /** The upload it was made from, when it is known by it (staged, or found from a staged line). */
  upload?: string;
  readonly waiters: Map<string, Waiter>;
  readonly journals: Set<BatchJournal>;
  poll?: Subscription;
  failedPolls: number;
  /** Its paid answers that no call has taken yet: the batch stays journaled until they are all taken. */
  unclaimed?: number;
}

/**
 * A request paid for and not yet given to a call (an earlier run's, or one whose call was cancelled): still in a
 * batch, or answered; a new call with the same body takes it.
 */
type Offer =
  | { readonly kind: 'pending'; readonly batch: Tracked }
  | { readonly kind: 'answered'; readonly resultFor: (request: ModelRequest) => ModelResult; readonly from: Tracked };

/**
 * The journal ids of this process's live batches (staged while being made, then polled by the model that made them):
 * a batch model of another block on the same journal must not take one for a run's leftover and follow it too.
 */
const live = new Set<string>();

/** A custom id without the `_r<try>` of a resent request: the id of its first try. */
function withoutTry(customId: string): string {
  return customId.replace(/_r\d+$/, '');
}

/** `<input>_<body hash>_<occurrence>`: the hash is the second part. */
function hashOfCustomId(customId: string): string {
  return customId.split('_')[1] ?? '';
}

/**
 * Wraps a model so that its requests go through the provider's batch jobs instead of one HTTP call each: calls are
 * gathered (flushed after `windowMs` of quiet, or at `maxRequests`, split by the provider's limits), uploaded,
 * polled with capped exponential backoff, and each call resolves with its own answer. A request that expires or
 * fails retryably goes into a later batch, up to `maxTries`, then fails as a failed HTTP call would (a non-retryable
 * `ApiCallError`); a batch the provider rejects as a whole fails the task's run (`BatchRejectedError`).
 *
 * Each request is keyed `<input id>_<body hash>_<occurrence>` (`custom_id`), the input id from the
 * {@link currentBatchScope}. Submitted batches are written to the task's journal (its ledger) and removed once every
 * answer of them has gone to a call; a restarted run adopts the journal's batches and hands their answers to new
 * calls of the same body (the same input first), so nothing is submitted twice. Where the provider uploads first
 * ({@link BatchApi.find}), the upload is journaled (staged) before the paid creation: a run that never heard the
 * batch's id (killed, or the creation unanswered) looks it up by its upload, again until `creationGraceMs` has
 * passed, and never sends it blind; Anthropic's batches are made in one request, so a kill between its acceptance and
 * the journal pays that batch again. The result is a {@link LanguageModel}: the engine's cache, limits and usage, the
 * validators and the ledger do not know. Its `endpoint` is the model's with `/batches`, so its many waiting calls do
 * not count against the direct calls' admission control.
 *
 * ## Example
 * ```ts
 * import OpenAI from 'openai';
 * import { createBatchModel, createEngine, createOpenAI, openAIBatchApi } from 'rxdgt';
 * const direct = createOpenAI({ modelId: 'gpt-4o-mini' }); // OPENAI_API_KEY
 * const client = new OpenAI({ maxRetries: 0 });
 * const api = openAIBatchApi({ client: async () => client, model: 'gpt-4o-mini', engine: 'openai', root: 'https://api.openai.com/v1', pathPrefix: '/v1', timeoutMs: 300_000, secrets: [] });
 * const model = createBatchModel(direct, api, { maxRequests: 5000, windowMs: 5000 });
 * const engine = createEngine(model, { callLimit: 5000 }); // keeps 5000 calls waiting, so a batch holds them
 * ```
 */
export function createBatchModel(model: LanguageModel, api: BatchApi, config: BatchModelConfig = {}): LanguageModel & { close(): Promise<void> } {
  wantBatchScopes();
  const settings = parseConfig('batch model', configSchema, config);
  const scheduler = settings.scheduler ?? asyncScheduler;
  const limits = { maxRequests: Math.min(settings.maxRequests, api.limits.maxRequests), maxBytes: Math.min(settings.maxBytes ?? api.limits.maxBytes, api.limits.maxBytes) };
  const controller = new AbortController();
  // Every upload and poll listens to it: many at once is the point.
  setMaxListeners(0, controller.signal);
  const gathering = new Map<ModelRequest['method'], Waiter[]>();
  const quiet = new Map<ModelRequest['method'], Subscription>();
  const tracked = new Map<string, Tracked>();
  /** Tracked batches made from an upload, by the upload's reference: a staged line of another journal joins its batch. */
  const byUpload = new Map<string, Tracked>();
  /** The ids (without `_r<try>`) of the requests in the journals' batches: a new call never goes under one of them. */
  const journaledIds = new Set<string>();
  /** Batches read whose answers are not all taken yet, by id: another journal's line of one joins it (read once). */
  const read = new Map<string, Tracked>();
  /** Batches this process is done with (read, every answer taken; or rejected): a line of one elsewhere just goes. */
  const finished = new Set<string>();
  /** This model's part of {@link live}: let go when it closes. */
  const liveHere = new Set<string>();
  /** Calls handed to `submit` and not yet in a tracked batch: closing the model fails them too. */
  const submitting = new Set<Waiter>();
  const offers = new Map<string, Map<string, Offer>>();
  /** How many calls of one input and body were made, per task journal (let go with it), and for calls without one. */
  const occurrencesByJournal = new WeakMap<BatchJournal, Map<string, number>>();
  const occurrencesUnjournaled = new Map<string, number>();
  const occurrencesOf = (scope: BatchScope | undefined): Map<string, number> => {
    const journal = scope?.journal;
    if (journal === undefined) return occurrencesUnjournaled;
    return occurrencesByJournal.get(journal) ?? occurrencesByJournal.set(journal, new Map()).get(journal)!;
  };
  const adopted = new WeakSet<BatchJournal>();
  // Retries waiting out a backoff: closing the model ends them (no timer keeps the process alive).
  const delayed = new Map<Waiter, Subscription>();
  let closed = false;

  const failure = (message: string): ApiCallError => new ApiCallError(`${api.target}: ${message}`, { url: api.target, isRetryable: false });

  function offer(customId: string, value: Offer): void {
    const hash = hashOfCustomId(customId);
    const byId = offers.get(hash) ?? offers.set(hash, new Map()).get(hash)!;
    // An answer in hand is not traded for the promise of one (another journal's line of a batch already read).
    if (value.kind === 'pending' && byId.get(customId)?.kind === 'answered') return;
    byId.set(customId, value);
  }

  /**
   * A paid request of this body on offer: the same custom id first, else any. Taking the last answer of a batch read
   * already lets go of the batch (out of its journals, done with).
   */
  function claim(customId: string, hash: string): [string, Offer] | undefined {
    const byId = offers.get(hash);
    if (byId === undefined) return undefined;
    const exact = byId.get(customId);
    const [id, value] = exact === undefined ? (byId.entries().next().value ?? []) : [customId, exact];
    if (id === undefined || value === undefined) return undefined;
    byId.delete(id);
    if (byId.size === 0) offers.delete(hash);
    if (value.kind === 'answered' && value.from.unclaimed !== undefined && (value.from.unclaimed -= 1) === 0) {
      read.delete(value.from.id);
      finished.add(value.from.id);
      untrack(value.from);
      unjournal(value.from);
    }
    return [id, value];
  }

  /** Takes the journal's pending batches of this target, once per journal: their answers go to new calls. */
  function adopt(journal: BatchJournal): void {
    adopted.add(journal);
    for (const pending of journal.list()) {
      // Followed by another model of this process (another block on the same journal): left to it.
      if (pending.target !== api.target || (live.has(pending.id) && !liveHere.has(pending.id))) continue;
      if (finished.has(pending.id)) {
        tryRemove(journal, pending.id);
        continue;
      }
      for (const customId of pending.customIds) journaledIds.add(withoutTry(customId));
      // A line by id of an upload still looked for answers the search.
      const sameUpload = pending.upload === undefined ? undefined : byUpload.get(pending.upload);
      if (sameUpload?.staged && !pending.staged) located(sameUpload, sameUpload.staged, pending.id);
      // Known already by its id, or by its upload (from another journal's line): one batch, followed once. (A batch is
      // in `byUpload` only while it is tracked or read.)
      const known = tracked.get(pending.id) ?? read.get(pending.id) ?? (pending.upload === undefined ? undefined : byUpload.get(pending.upload));
      if (known) {
        if (pending.id !== known.id) tryRekey(journal, pending, known.id);
        known.journals.add(journal);
        continue;
      }
      const batch: Tracked = { id: pending.id, waiters: new Map(), journals: new Set([journal]), failedPolls: 0, ...(pending.upload === undefined ? {} : { upload: pending.upload }) };
      if (pending.staged) {
        // A provider without `find` stages nothing; a line that says otherwise leaves its calls to be made again.
        if (api.find === undefined || pending.upload === undefined) {
          unjournal(batch);
          continue;
        }
        batch.staged = pending;
        batch.lookingSince = scheduler.now();
      }
      track(batch);
      for (const customId of pending.customIds) offer(customId, { kind: 'pending', batch });
      poll(batch, 0);
    }
  }

  /** Follows a batch (polled, or looked for while staged), known by its id and by its upload. */
  function track(batch: Tracked): void {
    tracked.set(batch.id, batch);
    goesLive(batch.id);
    if (batch.upload !== undefined) byUpload.set(batch.upload, batch);
  }

  /** Drops a journal's line; a journal that cannot be written (its task ended, its store closed) keeps it. */
  function tryRemove(journal: BatchJournal, id: string): void {
    try {
      journal.remove(id);
    } catch {
      // The next run reads the batch's results again, for free, and finds nothing it needs.
    }
  }

  /** {@link rekey}, or the staged line left for a later run to look for again when the journal cannot be written. */
  function tryRekey(journal: BatchJournal, staged: PendingBatch, id: string): void {
    try {
      rekey(journal, staged, id);
    } catch {
      // Harmless: the next run finds the same batch from the same upload.
    }
  }

  /** A journal's line of a staged batch, now known by `id`: the line by its id written first, then the staged one dropped. */
  function rekey(journal: BatchJournal, staged: PendingBatch, id: string): void {
    journal.put({ id, target: staged.target, customIds: staged.customIds, submittedAt: staged.submittedAt, ...(staged.upload === undefined ? {} : { upload: staged.upload }) });
    journal.remove(staged.id);
  }

  function settle(waiter: Waiter, outcome: { result: ModelResult } | { error: unknown }): void {
    if (waiter.done) return;
    waiter.done = true;
    waiter.release?.();
    if ('result' in outcome) waiter.resolve(outcome.result);
    else waiter.reject(outcome.error);
  }

  function gather(waiter: Waiter): void {
    // A request larger than a whole batch may be can never be sent: it fails alone, not the run.
    const bytes = Buffer.byteLength(waiter.line.text) + 1;
    if (bytes > limits.maxBytes) return settle(waiter, { error: failure(`request ${waiter.customId} is ${bytes} bytes, more than a batch may hold (${limits.maxBytes})`) });
    const method = waiter.request.method;
    const list = gathering.get(method) ?? gathering.set(method, []).get(method)!;
    list.push(waiter);
    quiet.get(method)?.unsubscribe();
    if (list.length >= limits.maxRequests) return flush(method);
    quiet.set(
      method,
      timer(settings.windowMs, scheduler).subscribe(() => flush(method)),
    );
  }

  function flush(method: ModelRequest['method']): void {
    quiet.get(method)?.unsubscribe();
    quiet.delete(method);
    const list = (gathering.get(method) ?? []).filter((waiter) => !waiter.done);
    gathering.delete(method);
    for (const chunk of batchChunks(list, limits, (waiter) => waiter.line.text)) {
      for (const waiter of chunk) submitting.add(waiter);
      void submit(chunk, method).finally(() => {
        for (const waiter of chunk) submitting.delete(waiter);
      });
    }
  }

  /** Ends the runs of the tasks these calls belong to, then fails the calls (a call made in code just fails). */
  function failRuns(waiters: readonly Waiter[], error: unknown): void {
    const scopes = new Set(waiters.flatMap((waiter) => (waiter.scope ? [waiter.scope] : [])));
    for (const scope of scopes) scope.fail(error);
    for (const waiter of waiters) settle(waiter, { error });
  }

  async function submit(waiters: readonly Waiter[], method: ModelRequest['method']): Promise<void> {
    const journals = new Set(waiters.flatMap((waiter) => (waiter.scope?.journal ? [waiter.scope.journal] : [])));
    const customIds = waiters.map((waiter) => waiter.customId);
    // Journaled between the provider's upload and the paid creation: a run that never hears the id finds the batch again.
    let staged: PendingBatch | undefined;
    let unwritten: { readonly error: unknown } | undefined;
    const stage = (upload: string): void => {
      staged = { id: `staged:${upload}`, target: api.target, customIds, submittedAt: scheduler.now(), upload, staged: true };
      goesLive(staged.id);
      try {
        for (const journal of journals) journal.put(staged);
      } catch (error) {
        unwritten = { error };
        throw error;
      }
    };
    let id: string;
    try {
      id = await api.submit(
        waiters.map((waiter) => waiter.line),
        method,
        controller.signal,
        stage,
      );
    } catch (error) {
      // Closed meanwhile: a staged batch stays journaled for the next run to find.
      if (closed) return;
      if (unwritten !== undefined) {
        if (staged) goesDead(staged.id);
        return failRuns(waiters, unwritten.error);
      }
      const retryable = !ApiCallError.isInstance(error) || error.isRetryable;
      if (staged && retryable) {
        // No answer (a 5xx, a reset, a timeout): the batch may have been made. It is looked for, never sent again blind
        // (and stays live until found or given up: another block's model must not take it for a leftover).
        const batch: Tracked = { id: staged.id, staged, lookingSince: scheduler.now(), upload: staged.upload!, waiters: new Map(waiters.map((waiter) => [waiter.customId, waiter])), journals, failedPolls: 0 };
        track(batch);
        return poll(batch, 0);
      }
      if (staged) goesDead(staged.id);
      try {
        if (staged) unstage(journals, staged);
      } catch (journalError) {
        return failRuns(waiters, journalError);
      }
      if (!retryable) return failRuns(waiters, new BatchRejectedError(api.target, undefined, (error as Error).message, { cause: error }));
      // A refused upload (a 429, a 5xx) is tried again after a backoff, as a poll would be, not at once.
      for (const waiter of waiters) retryOrFail(waiter, `the upload failed: ${(error as Error).message}`, Math.min(settings.pollMaxIntervalMs, settings.pollIntervalMs * 2 ** (waiter.tries - 1)));
      return;
    }
    const batch: Tracked = { id, waiters: new Map(waiters.map((waiter) => [waiter.customId, waiter])), journals, failedPolls: 0 };
    try {
      if (staged) {
        goesDead(staged.id);
        for (const journal of journals) rekey(journal, staged, id);
      } else {
        for (const journal of journals) journal.put({ id, target: api.target, customIds, submittedAt: scheduler.now() });
      }
    } catch (error) {
      return failRuns(waiters, error);
    }
    track(batch);
    poll(batch, settings.pollIntervalMs);
  }

  /** A batch of this model's (staged, or made) that another model of the process must leave alone. */
  function goesLive(id: string): void {
    live.add(id);
    liveHere.add(id);
  }

  /** This model no longer follows the batch `id`: another model of the process may take its journal line now. */
  function goesDead(id: string): void {
    live.delete(id);
    liveHere.delete(id);
  }

  function unstage(journals: ReadonlySet<BatchJournal>, staged: PendingBatch): void {
    for (const journal of journals) journal.remove(staged.id);
  }

  /**
   * Puts a call under its own id (its line's, without `_r<try>`), not an earlier run's it claimed (that one is another
   * call's own); while the journals hold that id (another input's call took its request), the next free occurrence:
   * two lines of one id, in one batch or two, would take each other's place.
   */
  function ownFreeId(waiter: Waiter): void {
    let id = withoutTry(waiter.line.customId);
    if (journaledIds.has(id)) {
      const counted = id.slice(0, id.lastIndexOf('_'));
      do {
        const occurrences = occurrencesOf(waiter.scope);
        const next = occurrences.get(counted) ?? 0;
        occurrences.set(counted, next + 1);
        id = `${counted}_${next}`;
      } while (journaledIds.has(id));
      waiter.line = api.lineOf(id, waiter.request);
    }
    waiter.customId = id;
  }

  /** A call goes into the next batch under a free id of its own (a call settled meanwhile goes nowhere). */
  function gatherOwn(waiter: Waiter): void {
    if (waiter.done) return;
    ownFreeId(waiter);
    gather(waiter);
  }

  /**
   * Another batch for a request that got no answer (expired, cancelled, a retryable failure, a refused upload), after
   * `delayMs`, under a fresh `custom_id` (`_r<try>`: never twice the same id in one batch); after `maxTries`, a failed call.
   */
  function retryOrFail(waiter: Waiter, message: string, delayMs = 0): void {
    if (waiter.done) return;
    if (waiter.tries >= settings.maxTries) return settle(waiter, { error: failure(`request ${withoutTry(waiter.line.customId)} failed in ${waiter.tries} batches: ${message}`) });
    waiter.tries += 1;
    ownFreeId(waiter);
    waiter.customId = `${waiter.customId}_r${waiter.tries}`;
    waiter.line = api.lineOf(waiter.customId, waiter.request);
    if (delayMs <= 0) return gather(waiter);
    delayed.set(
      waiter,
      timer(delayMs, scheduler).subscribe(() => {
        delayed.delete(waiter);
        if (!closed && !waiter.done) gather(waiter);
      }),
    );
  }

  /**
   * Follows a batch after `delayMs`: a staged one is looked for by its upload (until found, or given up); a made one
   * is polled until it ends, then its results are read and handed out. Failures back off, and after
   * `maxPollFailures` in a row its calls fail (the batch stays journaled for a later run).
   */
  function poll(batch: Tracked, delayMs: number): void {
    if (closed) return;
    const next = (): number => Math.min(settings.pollMaxIntervalMs, Math.max(delayMs * 2, settings.pollIntervalMs));
    // A poll or a results read that fails (the provider down, an unreadable output line) is tried again with backoff;
    // after `maxPollFailures` in a row the waiting calls fail, and the batch stays journaled for a later run.
    const failedPoll = (error: unknown): void => {
      if (closed) return;
      batch.failedPolls += 1;
      if (batch.failedPolls < settings.maxPollFailures) return poll(batch, next());
      untrack(batch);
      // Its answers cannot be promised to later calls of this run any more: they would wait for nothing.
      dropOffers(batch);
      const what = batch.staged ? `the batch made from upload ${batch.staged.upload} could not be looked up` : `batch ${batch.id} could not be polled`;
      for (const waiter of batch.waiters.values()) settle(waiter, { error: failure(`${what}: ${(error as Error).message}`) });
    };
    batch.poll = timer(delayMs, scheduler).subscribe(() => {
      const staged = batch.staged;
      if (staged) {
        api.find!(staged.upload!, staged.submittedAt, controller.signal).then((found) => {
          // Closed, or found meanwhile (a journal's line by id answered the search).
          if (closed || batch.staged !== staged) return;
          batch.failedPolls = 0;
          // Not listed yet: a creation may still be under way, or the list lag behind it. A miss is final only later.
          if (found === undefined && scheduler.now() - (batch.lookingSince ?? 0) < settings.creationGraceMs) return poll(batch, next());
          located(batch, staged, found);
        }, failedPoll);
        return;
      }
      api.status(batch.id, controller.signal).then(async (state) => {
        if (closed) return;
        if (state.kind === 'pending') {
          batch.failedPolls = 0;
          return poll(batch, next());
        }
        if (state.kind === 'rejected') {
          forget(batch);
          return failRuns([...batch.waiters.values()], new BatchRejectedError(api.target, batch.id, state.message));
        }
        let results: ReadonlyMap<string, BatchItemResult>;
        try {
          results = await api.results(batch.id, controller.signal);
        } catch (error) {
          return failedPoll(error);
        }
        if (!closed) distribute(batch, results);
      }, failedPoll);
    });
  }

  /**
   * A staged batch, looked for: made (journaled by its id and polled, or joined to the same batch found from another
   * journal), or never made (out of the journals; its waiting calls go into a new batch under their own ids).
   */
  function located(batch: Tracked, staged: PendingBatch, found: string | undefined): void {
    batch.poll?.unsubscribe();
    delete batch.staged;
    delete batch.lookingSince;
    untrack(batch);
    // Never made, or made and done with already in this process (its answers all taken): the line just goes.
    if (found === undefined || finished.has(found)) {
      unjournal(batch);
      dropOffers(batch);
      // Ids of a batch never made were never sent: its calls may go under them.
      if (found === undefined) for (const customId of staged.customIds) journaledIds.delete(withoutTry(customId));
      for (const waiter of batch.waiters.values()) gatherOwn(waiter);
      return;
    }
    try {
      for (const journal of batch.journals) rekey(journal, staged, found);
    } catch (error) {
      dropOffers(batch);
      return failRuns([...batch.waiters.values()], error);
    }
    const known = tracked.get(found) ?? read.get(found);
    if (known === undefined) {
      batch.id = found;
      track(batch);
      return poll(batch, 0);
    }
    // The same batch, adopted from another journal by its id: one batch, one poll (or none: it was read already).
    const polled = tracked.get(found) === known;
    if (staged.upload !== undefined) {
      known.upload ??= staged.upload;
      byUpload.set(staged.upload, known);
    }
    for (const journal of batch.journals) known.journals.add(journal);
    // Promises of a batch read already would never be kept: the calls that would take them are made anew.
    if (polled) repoint(batch, known);
    else dropOffers(batch);
    for (const [customId, waiter] of batch.waiters) {
      // A batch still polled takes the call; one read already has nothing more to give it.
      // Two calls on one answer (rare), or a batch read already: this one goes again, under its own id.
      if (polled && !known.waiters.has(customId)) known.waiters.set(customId, waiter);
      else gatherOwn(waiter);
    }
  }

  /** Stops following a batch (its id and its upload). */
  function untrack(batch: Tracked): void {
    if (tracked.get(batch.id) === batch) {
      tracked.delete(batch.id);
      goesDead(batch.id);
    }
    if (batch.upload !== undefined && byUpload.get(batch.upload) === batch) byUpload.delete(batch.upload);
  }

  /** The promises of `batch`'s answers to later calls, moved to `to` (the same batch, adopted twice). */
  function repoint(batch: Tracked, to: Tracked): void {
    for (const byId of offers.values()) for (const [customId, value] of byId) if (value.kind === 'pending' && value.batch === batch) byId.set(customId, { kind: 'pending', batch: to });
  }

  /** Forgets the promises of a batch's answers to later calls (their calls will be made, and sent, again). */
  function dropOffers(batch: Tracked): void {
    for (const [hash, byId] of offers) {
      for (const [customId, value] of byId) if (value.kind === 'pending' && value.batch === batch) byId.delete(customId);
      if (byId.size === 0) offers.delete(hash);
    }
  }

  /** A batch the provider rejected as a whole: done with, its promises dropped, out of the journals. */
  function forget(batch: Tracked): void {
    finished.add(batch.id);
    untrack(batch);
    dropOffers(batch);
    unjournal(batch);
  }

  /** The batch's lines out of its journals: its answers all taken, or it was never made, rejected, or done with. */
  function unjournal(batch: Tracked): void {
    for (const journal of batch.journals) tryRemove(journal, batch.id);
  }

  /**
   * Hands an ended batch's results out: each waiting call its answer (or a retry, or its failure), and answers no call
   * waits for yet (a restart's leftovers, cancelled calls') stay on offer; the batch is then read, or done with.
   */
  function distribute(batch: Tracked, results: ReadonlyMap<string, BatchItemResult>): void {
    const unclaimed = [...offers.values()].flatMap((byId) => [...byId].filter(([, value]) => value.kind === 'pending' && value.batch === batch).map(([customId]) => customId));
    untrack(batch);
    dropOffers(batch);
    // Answers no call has taken yet stay offered, and the batch stays journaled until the last is taken: a kill
    // meanwhile lets the next run read them again rather than pay for them again.
    let kept = 0;
    const keep = (customId: string, item: Extract<BatchItemResult, { kind: 'answered' }>): void => {
      offer(customId, { kind: 'answered', resultFor: item.resultFor, from: batch });
      kept += 1;
    };
    for (const customId of unclaimed) {
      const item = results.get(customId);
      if (item?.kind === 'answered') keep(customId, item);
    }
    for (const [customId, waiter] of batch.waiters) {
      const item = results.get(customId);
      // A call that was cancelled meanwhile leaves its paid answer to a later call of the same body.
      if (waiter.done && item?.kind === 'answered') keep(customId, item);
      else if (item?.kind === 'answered') settle(waiter, { result: item.resultFor(waiter.request) });
      else if (item === undefined || item.retryable) retryOrFail(waiter, item?.message ?? `no result in batch ${batch.id} (expired or cancelled)`);
      else settle(waiter, { error: failure(`request ${customId} of batch ${batch.id} failed: ${item.message}`) });
    }
    batch.unclaimed = kept;
    // Nothing reads a read batch's calls again: they are settled (or sent again), and would only be kept alive.
    batch.waiters.clear();
    if (kept > 0) read.set(batch.id, batch);
    else {
      finished.add(batch.id);
      unjournal(batch);
    }
  }

  async function doGenerate(request: ModelRequest, { signal }: CallOptions): Promise<ModelResult> {
    if (closed) throw new Error(`${api.target}: the batch model is closed`);
    const scope = currentBatchScope();
    if (scope?.journal && !adopted.has(scope.journal)) adopt(scope.journal);
    const hash = hashHex(stableStringify(request), 16);
    const inputPart = (scope?.inputId ?? 'call').replace(/[^A-Za-z0-9-]/g, '-').slice(0, 36);
    const counted = `${inputPart}_${hash}`;
    const occurrences = occurrencesOf(scope);
    const occurrence = occurrences.get(counted) ?? 0;
    occurrences.set(counted, occurrence + 1);
    const customId = `${counted}_${occurrence}`;
    // Checked now: a parameter the provider cannot take fails this call alone.
    const line = api.lineOf(customId, request);
    signal.throwIfAborted();
    return new Promise<ModelResult>((resolve, reject) => {
      const waiter: Waiter = { customId, request, line, tries: 1, scope, resolve, reject, done: false };
      const aborted = (): void => settle(waiter, { error: signal.reason });
      signal.addEventListener('abort', aborted, { once: true });
      waiter.release = () => signal.removeEventListener('abort', aborted);
      const earlier = claim(customId, hash);
      if (earlier === undefined) return gatherOwn(waiter);
      const [claimedId, value] = earlier;
      if (value.kind === 'answered') return settle(waiter, { result: value.resultFor(waiter.request) });
      waiter.customId = claimedId;
      value.batch.waiters.set(claimedId, waiter);
    });
  }

  async function close(): Promise<void> {
    closed = true;
    for (const id of liveHere) live.delete(id);
    liveHere.clear();
    controller.abort();
    for (const subscription of quiet.values()) subscription.unsubscribe();
    for (const subscription of delayed.values()) subscription.unsubscribe();
    for (const batch of tracked.values()) batch.poll?.unsubscribe();
    const closedError = new Error(`${api.target}: the batch model was closed`);
    for (const list of gathering.values()) for (const waiter of list) settle(waiter, { error: closedError });
    for (const batch of tracked.values()) for (const waiter of batch.waiters.values()) settle(waiter, { error: closedError });
    for (const waiter of delayed.keys()) settle(waiter, { error: closedError });
    for (const waiter of submitting) settle(waiter, { error: closedError });
    await model.close?.();
  }

  return {
    specificationVersion: 'v1',
    provider: `${model.provider}-batch`,
    modelId: model.modelId,
    endpoint: `${model.endpoint}/batches`,
    answersInBulk: true,
    ...(model.credential === undefined ? {} : { credential: model.credential }),
    doGenerate,
    ...(model.probe ? { probe: model.probe.bind(model) } : {}),
    close,
  };
}
