import { setMaxListeners } from 'node:events';
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { BatchApi, BatchItemResult, BatchJournal, BatchLine, BatchState, PendingBatch } from '../../lib/model/batch-api.ts';
import { createBatchModel } from '../../lib/model/batch-model.ts';
import { BatchRejectedError } from '../../lib/errors/batch-rejected-error.ts';
import { type BatchScope, withinBatchScope } from '../../lib/model/batch-scope.ts';
import type { ModelRequest, ModelResult } from '../../lib/model/language-model.ts';
import { FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';

/** Runs the virtual clock to `time`, one due timer at a time, letting the fake API's promises settle in between. */
async function advanceTo(scheduler: VirtualTimeScheduler, time: number): Promise<void> {
  for (;;) {
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    const due = (scheduler.actions[0] as unknown as { delay: number } | undefined)?.delay;
    if (due === undefined || due > time) break;
    scheduler.maxFrames = due;
    scheduler.flush();
  }
  // The clock reaches `time` even when no timer fell due, so later timers start from there.
  scheduler.frame = Math.max(scheduler.frame, time);
}

/** A provider that records what it is sent and when it is polled; `states` are the polls' answers, then `ended`. */
function fakeApi(scheduler: VirtualTimeScheduler, script: { states?: BatchState[]; item?: (customId: string, batch: string) => BatchItemResult | undefined } = {}) {
  const batches = new Map<string, readonly BatchLine[]>();
  const submitted: { id: string; at: number; customIds: string[] }[] = [];
  const polls: number[] = [];
  const states = [...(script.states ?? [])];
  const api: BatchApi = {
    target: 'fake http://provider',
    limits: { maxRequests: 100, maxBytes: 10_000 },
    lineOf: (customId, request) => ({ customId, text: JSON.stringify({ customId, request }) }),
    async submit(lines) {
      const id = `batch_${submitted.length}`;
      batches.set(id, lines);
      submitted.push({ id, at: scheduler.now(), customIds: lines.map((line) => line.customId) });
      return id;
    },
    async status() {
      polls.push(scheduler.now());
      return states.shift() ?? { kind: 'ended' };
    },
    async results(id) {
      const answer = (customId: string): ModelResult => ({ texts: [`answer ${customId}`], finishReason: 'stop', usage: { promptTokens: 2, completionTokens: 3 } });
      return new Map(
        (batches.get(id) ?? []).flatMap((line): [string, BatchItemResult][] => {
          const item: BatchItemResult | undefined = script.item ? script.item(line.customId, id) : { kind: 'answered', resultFor: () => answer(line.customId) };
          return item === undefined ? [] : [[line.customId, item]];
        }),
      );
    },
  };
  return { api, submitted, polls };
}

/**
 * A provider that uploads first (as OpenAI does): `submit` stages the upload, then makes the batch through `fake`
 * unless `creation` says the run dies before (`hang-before`), dies after it is made (`hang-after`), or hears an
 * error though it was made (`lost`). `find` names the batch made from an upload.
 */
function stagingApi(
  fake: ReturnType<typeof fakeApi>,
  creation: () => 'make' | 'hang-before' | 'hang-after' | 'lost',
  journal?: BatchJournal,
  /** How the `find` of this number (0-based) goes: as the provider says, a list that does not show the batch yet, or a failure. */
  lookup: (call: number) => 'list' | 'lag' | 'fail' = () => 'list',
) {
  const madeFrom = new Map<string, string>();
  const finds: string[] = [];
  const journaledAtCreation: (readonly PendingBatch[])[] = [];
  let uploads = 0;
  const never = new Promise<never>(() => undefined);
  const api: BatchApi = {
    ...fake.api,
    async submit(lines, method, abort, staged) {
      const upload = `file-${uploads++}`;
      staged?.(upload);
      const how = creation();
      if (how === 'hang-before') return never;
      if (journal) journaledAtCreation.push(journal.list());
      const id = await fake.api.submit(lines, method, abort);
      madeFrom.set(upload, id);
      if (how === 'hang-after') return never;
      if (how === 'lost') throw new ApiCallError('http://provider/batches: the connection was reset', { url: 'http://provider/batches', isRetryable: true });
      return id;
    },
    async find(upload) {
      const how = lookup(finds.length);
      finds.push(upload);
      if (how === 'fail') throw new ApiCallError('http://provider/batches answered 503: busy', { url: 'http://provider/batches', statusCode: 503 });
      return how === 'lag' ? undefined : madeFrom.get(upload);
    },
  };
  return { api, finds, journaledAtCreation };
}

function memoryJournal(initial: PendingBatch[] = []): BatchJournal & { readonly batches: PendingBatch[] } {
  const batches = [...initial];
  return {
    batches,
    list: () => [...batches],
    // As the ledger's journals: a put replaces the line of the same id; a remove of an unknown id does nothing.
    put: (batch) => {
      const at = batches.findIndex((line) => line.id === batch.id);
      if (at === -1) batches.push(batch);
      else batches[at] = batch;
    },
    remove: (id) => {
      const at = batches.findIndex((batch) => batch.id === id);
      if (at !== -1) batches.splice(at, 1);
    },
  };
}

const chat = (content: string): ModelRequest => ({ method: 'chat', messages: [{ role: 'user', content }] });
const signal = new AbortController().signal;
// Shared by every call of a test.
setMaxListeners(0, signal);

describe('createBatchModel', () => {
  it('gathers calls until `windowMs` passes with no new one, then sends them as one batch', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { api, submitted } = fakeApi(scheduler);
    const model = createBatchModel(new FakeLanguageModel(), api, { windowMs: 1000, pollIntervalMs: 100, scheduler });
    const first = model.doGenerate(chat('a'), { signal });
    await advanceTo(scheduler, 500);
    const second = model.doGenerate(chat('b'), { signal });
    await advanceTo(scheduler, 1400);
    expect(submitted).toHaveLength(0);
    await advanceTo(scheduler, 1600);
    expect(submitted).toEqual([{ id: 'batch_0', at: 1500, customIds: [expect.stringMatching(/^call_[0-9a-f]{16}_0$/), expect.stringMatching(/^call_[0-9a-f]{16}_0$/)] }]);
    await advanceTo(scheduler, 2000);
    expect((await first).texts[0]).toMatch(/^answer call_/);
    expect((await second).usage).toEqual({ promptTokens: 2, completionTokens: 3 });
  });

  it('sends at once when the gathering reaches `maxRequests`, and splits by the provider\'s byte limit', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { api, submitted } = fakeApi(scheduler);
    const model = createBatchModel(new FakeLanguageModel(), { ...api, limits: { maxRequests: 100, maxBytes: 400 } }, { windowMs: 1000, maxRequests: 6, scheduler });
    const calls = Array.from({ length: 6 }, (_, index) => model.doGenerate(chat(`question number ${index}`), { signal }));
    await advanceTo(scheduler, 0);
    // Six lines of 126 bytes each (newline included): full at six requests, split by 400 bytes into two batches of three.
    expect(submitted.map((batch) => batch.customIds.length)).toEqual([3, 3]);
    expect(submitted.every((batch) => batch.at === 0)).toBe(true);
    await advanceTo(scheduler, 100_000);
    expect(await Promise.all(calls)).toHaveLength(6);
  });

  it('polls with exponential backoff capped at `pollMaxIntervalMs`', async () => {
    const scheduler = new VirtualTimeScheduler();
    const pending: BatchState = { kind: 'pending' };
    const { api, polls } = fakeApi(scheduler, { states: [pending, pending, pending, pending, pending] });
    const model = createBatchModel(new FakeLanguageModel(), api, { windowMs: 0, pollIntervalMs: 100, pollMaxIntervalMs: 500, scheduler });
    const answer = model.doGenerate(chat('a'), { signal });
    await advanceTo(scheduler, 10_000);
    expect(polls).toEqual([100, 300, 700, 1200, 1700, 2200]);
    expect((await answer).texts).toHaveLength(1);
  });

  it('writes a batch to the journal of its inputs when submitted, removes it once its results are read, and keys requests by input id', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { api, submitted } = fakeApi(scheduler);
    const journal = memoryJournal();
    const scope: BatchScope = { inputId: '7-abc', journal, fail: () => undefined };
    const model = createBatchModel(new FakeLanguageModel(), api, { windowMs: 10, pollIntervalMs: 100, scheduler });
    const answer = withinBatchScope(scope, () => model.doGenerate(chat('a'), { signal }));
    await advanceTo(scheduler, 50);
    expect(journal.batches).toEqual([{ id: 'batch_0', target: 'fake http://provider', customIds: [expect.stringMatching(/^7-abc_[0-9a-f]{16}_0$/)], submittedAt: 10 }]);
    await advanceTo(scheduler, 500);
    await answer;
    expect(journal.batches).toEqual([]);
    expect(submitted).toHaveLength(1);
  });

  it('adopts the journal\'s pending batches after a restart: the same requests wait for them and nothing is submitted again', async () => {
    const scheduler = new VirtualTimeScheduler();
    // The first run: submitted, then the process died before the results.
    const first = fakeApi(scheduler, { states: [{ kind: 'pending' }] });
    const journal = memoryJournal();
    const dying = createBatchModel(new FakeLanguageModel(), first.api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    const scopeOf = (inputId: string): BatchScope => ({ inputId, journal, fail: () => undefined });
    void withinBatchScope(scopeOf('0-aa'), () => dying.doGenerate(chat('a'), { signal })).catch(() => undefined);
    void withinBatchScope(scopeOf('1-bb'), () => dying.doGenerate(chat('b'), { signal })).catch(() => undefined);
    await advanceTo(scheduler, 50);
    await dying.close();
    expect(journal.batches).toHaveLength(1);

    // The second run reads the same provider: one more poll finds the batch ended.
    const restarted = createBatchModel(new FakeLanguageModel(), first.api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    const answers = [
      withinBatchScope(scopeOf('1-bb'), () => restarted.doGenerate(chat('b'), { signal })),
      withinBatchScope(scopeOf('0-aa'), () => restarted.doGenerate(chat('a'), { signal })),
    ];
    await advanceTo(scheduler, 5000);
    expect((await Promise.all(answers)).map((answer) => answer.texts[0])).toEqual([expect.stringMatching(/^answer 1-bb_/), expect.stringMatching(/^answer 0-aa_/)]);
    expect(first.submitted).toHaveLength(1);
    expect(journal.batches).toEqual([]);
  });

  it('fails the task\'s run and the calls when the provider rejects the batch, naming it', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { api } = fakeApi(scheduler, { states: [{ kind: 'rejected', message: 'line 2: invalid JSON' }] });
    const failures: unknown[] = [];
    const model = createBatchModel(new FakeLanguageModel(), api, { windowMs: 10, pollIntervalMs: 100, scheduler });
    const answer = withinBatchScope({ inputId: '0-aa', journal: undefined, fail: (error) => failures.push(error) }, () => model.doGenerate(chat('a'), { signal }));
    const settled = answer.catch((error: unknown) => error);
    await advanceTo(scheduler, 1000);
    const error = await settled;
    expect(BatchRejectedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe('fake http://provider: batch batch_0 was rejected by the provider: line 2: invalid JSON');
    expect(failures).toEqual([error]);
  });

  it('drops an aborted call from the gathering: it is never submitted', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { api, submitted } = fakeApi(scheduler);
    const model = createBatchModel(new FakeLanguageModel(), api, { windowMs: 100, scheduler });
    const controller = new AbortController();
    const aborted = model.doGenerate(chat('a'), { signal: controller.signal }).catch((error: unknown) => error);
    const kept = model.doGenerate(chat('b'), { signal });
    controller.abort();
    await advanceTo(scheduler, 100_000);
    expect(await aborted).toBeInstanceOf(Error);
    expect(submitted.flatMap((batch) => batch.customIds)).toHaveLength(1);
    await kept;
  });

  it('resubmits a request with no result up to `maxTries` batches, then fails it as a failed call', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { api, submitted } = fakeApi(scheduler, { item: () => undefined });
    const model = createBatchModel(new FakeLanguageModel(), api, { windowMs: 10, pollIntervalMs: 100, maxTries: 3, scheduler });
    const failed = model.doGenerate(chat('a'), { signal }).catch((error: unknown) => error);
    await advanceTo(scheduler, 100_000);
    expect(submitted).toHaveLength(3);
    expect(String(await failed)).toMatch(/request call_[0-9a-f]{16}_0 failed in 3 batches: no result in batch batch_2 \(expired or cancelled\)/);
  });

  it('a results read that fails is tried again with backoff, not an unhandled rejection, and then answers', async () => {
    const scheduler = new VirtualTimeScheduler();
    const fake = fakeApi(scheduler);
    let reads = 0;
    const api: BatchApi = {
      ...fake.api,
      results: async (id, abort) => {
        reads += 1;
        if (reads === 1) throw new Error('the output file could not be read');
        return fake.api.results(id, abort);
      },
    };
    const model = createBatchModel(new FakeLanguageModel(), api, { windowMs: 10, pollIntervalMs: 100, scheduler });
    const answer = model.doGenerate(chat('a'), { signal });
    await advanceTo(scheduler, 10_000);
    expect(reads).toBe(2);
    expect((await answer).texts[0]).toMatch(/^answer call_/);
  });

  it('an adopted batch that cannot be polled any more promises nothing: a later call of the same body is sent anew', async () => {
    const scheduler = new VirtualTimeScheduler();
    const fake = fakeApi(scheduler, { states: [{ kind: 'pending' }] });
    const journal = memoryJournal();
    const scope: BatchScope = { inputId: '5-ee', journal, fail: () => undefined };
    // A first run submits `y` and dies.
    const dying = createBatchModel(new FakeLanguageModel(), fake.api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    void withinBatchScope(scope, () => dying.doGenerate(chat('y'), { signal })).catch(() => undefined);
    await advanceTo(scheduler, 50);
    await dying.close();
    const lost = journal.batches[0]!.id;
    // The restarted run cannot poll that batch any more (the provider lost it); other batches are fine.
    const api: BatchApi = { ...fake.api, status: async (id, abort) => (id === lost ? Promise.reject(new Error('503')) : fake.api.status(id, abort)) };
    const model = createBatchModel(new FakeLanguageModel(), api, { windowMs: 10, pollIntervalMs: 100, maxPollFailures: 2, scheduler });
    const first = withinBatchScope(scope, () => model.doGenerate(chat('x'), { signal }));
    await advanceTo(scheduler, 10_000);
    await first;
    // It gave up: it stays journaled for a later run, and a call of its body now is sent, not left waiting on it.
    expect(journal.batches.map((batch) => batch.id)).toContain(lost);
    const later = withinBatchScope(scope, () => model.doGenerate(chat('y'), { signal }));
    await advanceTo(scheduler, 20_000);
    expect((await later).texts[0]).toMatch(/^answer 5-ee_/);
    expect(fake.submitted).toHaveLength(3);
  });

  it('an adopted batch stays journaled until every answer of it has gone to a call: a kill meanwhile pays nothing again', async () => {
    const scheduler = new VirtualTimeScheduler();
    const first = fakeApi(scheduler, { states: [{ kind: 'pending' }] });
    const journal = memoryJournal();
    const scopeOf = (inputId: string): BatchScope => ({ inputId, journal, fail: () => undefined });
    const dying = createBatchModel(new FakeLanguageModel(), first.api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    for (const [id, text] of [['0-aa', 'a'], ['1-bb', 'b']] as const) void withinBatchScope(scopeOf(id), () => dying.doGenerate(chat(text), { signal })).catch(() => undefined);
    await advanceTo(scheduler, 50);
    await dying.close();
    const restarted = createBatchModel(new FakeLanguageModel(), first.api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    // Only input 0 comes again before the batch ends: input 1's paid answer waits in memory, and in the journal.
    const a = withinBatchScope(scopeOf('0-aa'), () => restarted.doGenerate(chat('a'), { signal }));
    await advanceTo(scheduler, 5000);
    await a;
    expect(journal.batches).toHaveLength(1);
    const b = withinBatchScope(scopeOf('1-bb'), () => restarted.doGenerate(chat('b'), { signal }));
    await advanceTo(scheduler, 6000);
    expect((await b).texts[0]).toMatch(/^answer 1-bb_/);
    expect(journal.batches).toEqual([]);
    expect(first.submitted).toHaveLength(1);
  });

  it.each([
    ['killed before it heard the id', false],
    ['killed between journaling the id and dropping the staged line', true],
  ])('journals a batch as staged between its upload and its creation; a run %s: the next finds it from the upload and pays nothing again', async (_case, byIdToo) => {
    const scheduler = new VirtualTimeScheduler();
    const fake = fakeApi(scheduler, { states: [{ kind: 'pending' }] });
    const journal = memoryJournal();
    let dying = true;
    const staging = stagingApi(fake, () => (dying ? 'hang-after' : 'make'), journal);
    const scopeOf = (inputId: string): BatchScope => ({ inputId, journal, fail: () => undefined });
    const first = createBatchModel(new FakeLanguageModel(), staging.api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    for (const [id, text] of [['0-aa', 'a'], ['1-bb', 'b']] as const) void withinBatchScope(scopeOf(id), () => first.doGenerate(chat(text), { signal })).catch(() => undefined);
    await advanceTo(scheduler, 50);
    // Staged before the paid step; the provider made the batch; the run never heard its id.
    const staged = { id: 'staged:file-0', target: 'fake http://provider', customIds: [expect.stringMatching(/^0-aa_/), expect.stringMatching(/^1-bb_/)], submittedAt: 10, upload: 'file-0', staged: true };
    expect(staging.journaledAtCreation).toEqual([[staged]]);
    await first.close();
    expect(journal.batches).toEqual([staged]);
    expect(fake.submitted).toHaveLength(1);
    const byId = { ...journal.batches[0]!, id: 'batch_0', staged: undefined };
    if (byIdToo) journal.batches.push(byId);

    dying = false;
    const second = createBatchModel(new FakeLanguageModel(), staging.api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    const answers = [withinBatchScope(scopeOf('1-bb'), () => second.doGenerate(chat('b'), { signal })), withinBatchScope(scopeOf('0-aa'), () => second.doGenerate(chat('a'), { signal }))];
    await advanceTo(scheduler, 60);
    // Found by its upload (or by the line by id of the same upload: no need to ask); journaled by its id alone.
    expect(staging.finds).toEqual(byIdToo ? [] : ['file-0']);
    expect(journal.batches).toEqual([byId]);
    await advanceTo(scheduler, 5000);
    expect((await Promise.all(answers)).map((answer) => answer.texts[0])).toEqual([expect.stringMatching(/^answer 1-bb_/), expect.stringMatching(/^answer 0-aa_/)]);
    expect(fake.submitted).toHaveLength(1);
    expect(journal.batches).toEqual([]);
  });

  it('a staged batch the provider never made leaves the journal, and the calls waiting for it go into a new batch under their ids', async () => {
    const scheduler = new VirtualTimeScheduler();
    const fake = fakeApi(scheduler);
    const journal = memoryJournal();
    let dying = true;
    const staging = stagingApi(fake, () => (dying ? 'hang-before' : 'make'));
    const scope: BatchScope = { inputId: '0-aa', journal, fail: () => undefined };
    const first = createBatchModel(new FakeLanguageModel(), staging.api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    void withinBatchScope(scope, () => first.doGenerate(chat('a'), { signal })).catch(() => undefined);
    await advanceTo(scheduler, 50);
    await first.close();
    const [staged] = journal.batches;
    expect(staged).toMatchObject({ id: 'staged:file-0', staged: true });
    expect(fake.submitted).toEqual([]);

    dying = false;
    const second = createBatchModel(new FakeLanguageModel(), staging.api, { windowMs: 10, pollIntervalMs: 1000, creationGraceMs: 20_000, scheduler });
    const answer = withinBatchScope(scope, () => second.doGenerate(chat('a'), { signal }));
    // Not listed: looked for again (a creation may still be under way) until `creationGraceMs` has passed.
    await advanceTo(scheduler, 15_000);
    expect(staging.finds.length).toBeGreaterThan(1);
    expect(fake.submitted).toEqual([]);
    expect(journal.batches).toEqual([staged]);
    await advanceTo(scheduler, 100_000);
    expect((await answer).texts[0]).toBe(`answer ${staged!.customIds[0]}`);
    expect(fake.submitted.map((batch) => batch.customIds)).toEqual([staged!.customIds]);
    expect(journal.batches).toEqual([]);
  });

  it('a creation that fails without an answer (a reset connection) but was made is found from its upload and waited for: nothing goes twice', async () => {
    const scheduler = new VirtualTimeScheduler();
    const fake = fakeApi(scheduler, { states: [{ kind: 'pending' }] });
    const journal = memoryJournal();
    const staging = stagingApi(fake, () => 'lost');
    const model = createBatchModel(new FakeLanguageModel(), staging.api, { windowMs: 10, pollIntervalMs: 100, scheduler });
    const answer = withinBatchScope({ inputId: '0-aa', journal, fail: () => undefined }, () => model.doGenerate(chat('a'), { signal }));
    await advanceTo(scheduler, 50);
    expect(journal.batches).toEqual([expect.objectContaining({ id: 'batch_0', upload: 'file-0' })]);
    expect(journal.batches[0]).not.toHaveProperty('staged');
    await advanceTo(scheduler, 5000);
    expect((await answer).texts[0]).toMatch(/^answer 0-aa_/);
    expect(staging.finds).toEqual(['file-0']);
    expect(fake.submitted).toHaveLength(1);
    expect(journal.batches).toEqual([]);
  });

  it('a creation without an answer is looked for, not sent again: a list that fails or lags behind is asked again, and the batch is waited for', async () => {
    const scheduler = new VirtualTimeScheduler();
    const fake = fakeApi(scheduler);
    const journal = memoryJournal();
    // The list fails twice (as the creation did), then does not show the batch yet, then does.
    const staging = stagingApi(fake, () => 'lost', journal, (call) => (call < 2 ? 'fail' : call === 2 ? 'lag' : 'list'));
    const model = createBatchModel(new FakeLanguageModel(), staging.api, { windowMs: 10, pollIntervalMs: 100, scheduler });
    const answer = withinBatchScope({ inputId: '0-aa', journal, fail: () => undefined }, () => model.doGenerate(chat('a'), { signal }));
    await advanceTo(scheduler, 10_000);
    expect((await answer).texts[0]).toMatch(/^answer 0-aa_/);
    expect(staging.finds).toHaveLength(4);
    expect(fake.submitted).toHaveLength(1);
    expect(journal.batches).toEqual([]);
  });

  it('a staged batch that cannot be looked up fails its calls and stays journaled for a later run: nothing is sent again blind', async () => {
    const scheduler = new VirtualTimeScheduler();
    const fake = fakeApi(scheduler);
    const journal = memoryJournal();
    const staging = stagingApi(fake, () => 'lost', journal, () => 'fail');
    const model = createBatchModel(new FakeLanguageModel(), staging.api, { windowMs: 10, pollIntervalMs: 100, maxPollFailures: 3, scheduler });
    const answer = withinBatchScope({ inputId: '0-aa', journal, fail: () => undefined }, () => model.doGenerate(chat('a'), { signal })).catch((error: unknown) => error);
    await advanceTo(scheduler, 10_000);
    expect(String(await answer)).toMatch(/the batch made from upload file-0 could not be looked up: .*503/);
    expect(staging.finds).toHaveLength(3);
    expect(fake.submitted).toHaveLength(1);
    expect(journal.batches).toEqual([expect.objectContaining({ id: 'staged:file-0', staged: true })]);
  });

  it('a staged line of one journal and the line by id of another, for one batch: one batch polled, and both journals keep it by its id until it is read', async () => {
    const scheduler = new VirtualTimeScheduler();
    const fake = fakeApi(scheduler, { states: [{ kind: 'pending' }, { kind: 'pending' }] });
    const [mine, theirs] = [memoryJournal(), memoryJournal()];
    let dying = true;
    const staging = stagingApi(fake, () => (dying ? 'hang-after' : 'make'), mine);
    const first = createBatchModel(new FakeLanguageModel(), staging.api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    void withinBatchScope({ inputId: '0-aa', journal: mine, fail: () => undefined }, () => first.doGenerate(chat('a'), { signal })).catch(() => undefined);
    await advanceTo(scheduler, 50);
    await first.close();
    const [staged] = mine.batches;
    const byId = { id: 'batch_0', target: staged!.target, customIds: staged!.customIds, submittedAt: staged!.submittedAt, upload: 'file-0' };
    theirs.put(byId);

    dying = false;
    const second = createBatchModel(new FakeLanguageModel(), staging.api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    const answer = withinBatchScope({ inputId: '0-aa', journal: theirs, fail: () => undefined }, () => second.doGenerate(chat('a'), { signal }));
    void withinBatchScope({ inputId: '1-bb', journal: mine, fail: () => undefined }, () => second.doGenerate(chat('b'), { signal })).catch(() => undefined);
    await advanceTo(scheduler, 60);
    // The staged line became the line by id (beside the batch of input 1's new request).
    expect(mine.batches.filter((line) => line.customIds.includes(staged!.customIds[0]!))).toEqual([byId]);
    expect(theirs.batches).toEqual([byId]);
    await advanceTo(scheduler, 20_000);
    expect((await answer).texts[0]).toMatch(/^answer 0-aa_/);
    expect(fake.submitted.filter((batch) => batch.customIds.includes(staged!.customIds[0]!))).toHaveLength(1);
    expect(mine.batches).toEqual([]);
    expect(theirs.batches).toEqual([]);
  });

  it('a call resent after taking an earlier run\'s id goes under its own id, and no new call takes a journaled id: never twice one id in a batch, nor in two', async () => {
    const scheduler = new VirtualTimeScheduler();
    // A first try gets no result (expired); a resent request is answered.
    const fake = fakeApi(scheduler, { item: (customId) => (customId.includes('_r') ? { kind: 'answered', resultFor: () => ({ texts: [customId], finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 1 } }) } : undefined) });
    const api: BatchApi = { ...fake.api, status: async () => (scheduler.now() >= 3000 ? { kind: 'ended' } : { kind: 'pending' }) };
    const journal = memoryJournal();
    const scopeOf = (inputId: string): BatchScope => ({ inputId, journal, fail: () => undefined });
    const dying = createBatchModel(new FakeLanguageModel(), api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    void withinBatchScope(scopeOf('0-aa'), () => dying.doGenerate(chat('a'), { signal })).catch(() => undefined);
    await advanceTo(scheduler, 50);
    await dying.close();
    // Input 1 asks the same body first and takes input 0's pending id; input 0's own call goes in a new batch.
    const model = createBatchModel(new FakeLanguageModel(), api, { windowMs: 300, pollIntervalMs: 1000, scheduler });
    const answers = [withinBatchScope(scopeOf('1-bb'), () => model.doGenerate(chat('a'), { signal })), withinBatchScope(scopeOf('0-aa'), () => model.doGenerate(chat('a'), { signal }))];
    await advanceTo(scheduler, 100_000);
    const texts = (await Promise.all(answers)).map((answer) => answer.texts[0]);
    // Input 1 resent under its own id; input 0 under the next free occurrence (the earlier run's id is input 1's now).
    expect(texts).toEqual([expect.stringMatching(/^1-bb_[0-9a-f]{16}_0_r2$/), expect.stringMatching(/^0-aa_[0-9a-f]{16}_1_r2$/)]);
    const ids = fake.submitted.flatMap((batch) => batch.customIds);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('another journal\'s line of a batch already read joins it: read once, and out of both journals once its answers are taken', async () => {
    const scheduler = new VirtualTimeScheduler();
    const fake = fakeApi(scheduler, { states: [{ kind: 'pending' }] });
    const [first, second] = [memoryJournal(), memoryJournal()];
    const dying = createBatchModel(new FakeLanguageModel(), fake.api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    void withinBatchScope({ inputId: '0-aa', journal: first, fail: () => undefined }, () => dying.doGenerate(chat('a'), { signal })).catch(() => undefined);
    void withinBatchScope({ inputId: '1-bb', journal: second, fail: () => undefined }, () => dying.doGenerate(chat('b'), { signal })).catch(() => undefined);
    await advanceTo(scheduler, 50);
    await dying.close();
    expect([first.batches, second.batches].map((lines) => lines.map((line) => line.id))).toEqual([['batch_0'], ['batch_0']]);
    const model = createBatchModel(new FakeLanguageModel(), fake.api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    // Task 1 comes back first: the batch is read, input 1's answer waits in memory.
    const a = withinBatchScope({ inputId: '0-aa', journal: first, fail: () => undefined }, () => model.doGenerate(chat('a'), { signal }));
    await advanceTo(scheduler, 5000);
    expect((await a).texts[0]).toMatch(/^answer 0-aa_/);
    const reads = fake.polls.length;
    // Task 2 comes back: its line joins the batch read; its call takes the answer; nothing is polled or sent again.
    const b = withinBatchScope({ inputId: '1-bb', journal: second, fail: () => undefined }, () => model.doGenerate(chat('b'), { signal }));
    await advanceTo(scheduler, 20_000);
    expect((await b).texts[0]).toMatch(/^answer 1-bb_/);
    expect(fake.polls).toHaveLength(reads);
    expect(fake.submitted).toHaveLength(1);
    expect([first.batches, second.batches]).toEqual([[], []]);
  });

  it('a staged line of a batch already read (by another journal\'s line) joins it without promising its answers again', async () => {
    const scheduler = new VirtualTimeScheduler();
    const fake = fakeApi(scheduler, { states: [{ kind: 'pending' }] });
    const dyingJournal = memoryJournal();
    let dying = true;
    const staging = stagingApi(fake, () => (dying ? 'hang-after' : 'make'));
    const first = createBatchModel(new FakeLanguageModel(), staging.api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    for (const [id, text] of [['0-aa', 'a'], ['1-bb', 'b']] as const) void withinBatchScope({ inputId: id, journal: dyingJournal, fail: () => undefined }, () => first.doGenerate(chat(text), { signal })).catch(() => undefined);
    await advanceTo(scheduler, 50);
    await first.close();
    const [staged] = dyingJournal.batches;
    // Task A's journal knows the batch by id; task B's still has the staged line.
    const byId = memoryJournal([{ id: 'batch_0', target: staged!.target, customIds: staged!.customIds, submittedAt: staged!.submittedAt, upload: 'file-0' }]);
    const stagedOnly = memoryJournal([staged!]);
    dying = false;
    const second = createBatchModel(new FakeLanguageModel(), staging.api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    const a = withinBatchScope({ inputId: '0-aa', journal: byId, fail: () => undefined }, () => second.doGenerate(chat('a'), { signal }));
    await advanceTo(scheduler, 5000);
    expect((await a).texts[0]).toMatch(/^answer 0-aa_/);
    // Task B comes back: its staged line is found to be the batch read; input 1 takes its answer, and a new input
    // asking what input 0 asked is sent anew (the batch read has nothing more for it), not left waiting.
    const b = withinBatchScope({ inputId: '1-bb', journal: stagedOnly, fail: () => undefined }, () => second.doGenerate(chat('b'), { signal }));
    await advanceTo(scheduler, 10_000);
    expect((await b).texts[0]).toMatch(/^answer 1-bb_/);
    const c = withinBatchScope({ inputId: '2-cc', journal: stagedOnly, fail: () => undefined }, () => second.doGenerate(chat('a'), { signal }));
    await advanceTo(scheduler, 20_000);
    expect((await c).texts[0]).toMatch(/^answer 2-cc_/);
    expect([byId.batches, stagedOnly.batches]).toEqual([[], []]);
  });

  it('closing the model while a batch is being submitted fails its calls: none is left waiting', async () => {
    const scheduler = new VirtualTimeScheduler();
    const fake = fakeApi(scheduler);
    const model = createBatchModel(new FakeLanguageModel(), { ...fake.api, submit: () => new Promise<never>(() => undefined) }, { windowMs: 10, pollIntervalMs: 100, scheduler });
    const answer = model.doGenerate(chat('a'), { signal }).catch((error: unknown) => error);
    await advanceTo(scheduler, 50);
    await model.close();
    expect(String(await answer)).toMatch(/the batch model was closed/);
  });

  it('a batch one block\'s model follows is left to it by another block\'s model on the same journal (no second poll, no second read)', async () => {
    const scheduler = new VirtualTimeScheduler();
    const fake = fakeApi(scheduler, { states: Array.from({ length: 20 }, () => ({ kind: 'pending' as const })) });
    const journal = memoryJournal();
    const scope: BatchScope = { inputId: '0-aa', journal, fail: () => undefined };
    const first = createBatchModel(new FakeLanguageModel(), fake.api, { windowMs: 10, pollIntervalMs: 1000, scheduler });
    void withinBatchScope(scope, () => first.doGenerate(chat('a'), { signal })).catch(() => undefined);
    await advanceTo(scheduler, 50);
    expect(journal.batches.map((line) => line.id)).toEqual(['batch_0']);
    const polledBySecond: string[] = [];
    const second = createBatchModel(new FakeLanguageModel(), { ...fake.api, status: (id, abort) => (polledBySecond.push(id), fake.api.status(id, abort)) }, { windowMs: 10, pollIntervalMs: 100, scheduler });
    void withinBatchScope({ ...scope, inputId: '1-bb' }, () => second.doGenerate(chat('b'), { signal })).catch(() => undefined);
    await advanceTo(scheduler, 2000);
    expect(polledBySecond.length).toBeGreaterThan(0);
    expect(polledBySecond).not.toContain('batch_0');
    await first.close();
    await second.close();
  });

  it('refuses a poll interval below 1 ms (it would poll the provider without pause)', () => {
    const scheduler = new VirtualTimeScheduler();
    expect(() => createBatchModel(new FakeLanguageModel(), fakeApi(scheduler).api, { pollIntervalMs: 0, scheduler })).toThrow(/pollIntervalMs/);
  });

  it('a resent request goes under a fresh custom id (never twice one id in a batch); a refused upload waits a backoff before it goes again', async () => {
    const scheduler = new VirtualTimeScheduler();
    const fake = fakeApi(scheduler, { item: (customId) => (customId.endsWith('_r3') ? { kind: 'answered', resultFor: () => ({ texts: ['late'], finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 1 } }) } : undefined) });
    let uploads = 0;
    const uploadTimes: number[] = [];
    const api: BatchApi = {
      ...fake.api,
      submit: async (lines, method, abort) => {
        uploadTimes.push(scheduler.now());
        if ((uploads += 1) === 1) throw new ApiCallError('http://provider/files answered 503: busy', { url: 'http://provider/files', statusCode: 503 });
        return fake.api.submit(lines, method, abort);
      },
    };
    const model = createBatchModel(new FakeLanguageModel(), api, { windowMs: 10, pollIntervalMs: 1000, maxTries: 3, scheduler });
    const answer = model.doGenerate(chat('a'), { signal });
    await advanceTo(scheduler, 100_000);
    expect((await answer).texts).toEqual(['late']);
    // The refused upload went again a poll interval later, not at once.
    expect(uploadTimes[1]! - uploadTimes[0]!).toBeGreaterThanOrEqual(1000);
    expect(fake.submitted.map((batch) => batch.customIds[0])).toEqual([expect.stringMatching(/_0_r2$/), expect.stringMatching(/_0_r3$/)]);
  });

  it('a request larger than a whole batch may be fails alone, before any upload; the others go', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { api, submitted } = fakeApi(scheduler);
    const model = createBatchModel(new FakeLanguageModel(), { ...api, limits: { maxRequests: 100, maxBytes: 200 } }, { windowMs: 10, pollIntervalMs: 100, scheduler });
    const huge = model.doGenerate(chat('x'.repeat(500)), { signal }).catch((error: unknown) => error);
    const small = model.doGenerate(chat('a'), { signal });
    await advanceTo(scheduler, 10_000);
    expect(String(await huge)).toMatch(/is \d+ bytes, more than a batch may hold \(200\)/);
    expect((await small).texts).toHaveLength(1);
    expect(submitted.flatMap((batch) => batch.customIds)).toHaveLength(1);
  });
});
