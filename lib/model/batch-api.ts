/**
 * The seam between a batch model (`batch-model.ts`) and one provider's durable batch jobs (OpenAI's and Azure's
 * `/files` + `/batches`, Anthropic's Message Batches): how a request becomes a line of a batch, how a batch is
 * submitted, polled and read back. The batch model gathers, splits, polls, resubmits and persists; the provider only
 * speaks its wire format.
 */
import type { ModelRequest, ModelResult } from './language-model.ts';

/** A provider's own bounds on one batch. */
export interface BatchLimits {
  /** Most requests in one batch (OpenAI 50,000; Anthropic 100,000). */
  readonly maxRequests: number;
  /** Most bytes of one batch's lines (OpenAI 200 MB; Anthropic 256 MB). */
  readonly maxBytes: number;
}

/** One request as it goes into a batch: its `custom_id` and the provider's line (JSON text, no newline). */
export interface BatchLine {
  readonly customId: string;
  readonly text: string;
}

/** What a submitted batch is doing, as one poll found it. */
export type BatchState =
  /** Validating, in progress, finalizing, cancelling: poll again later. */
  | { readonly kind: 'pending' }
  /** Done (completed, expired or cancelled): its results can be read; items without one are tried again. */
  | { readonly kind: 'ended' }
  /** The provider refused the batch as a whole (its input file): `message` is the provider's own words. */
  | { readonly kind: 'rejected'; readonly message: string };

/** What became of one request of an ended batch. */
export type BatchItemResult =
  /**
   * Answered: `resultFor` reads the answer for the call it goes to (the same body; an Anthropic response format's
   * forced tool is read back by the request's own name, after a restart too).
   */
  | { readonly kind: 'answered'; readonly resultFor: (request: ModelRequest) => ModelResult }
  /** Failed; `retryable` when a later batch may succeed (expired, cancelled, 429, 5xx). */
  | { readonly kind: 'failed'; readonly retryable: boolean; readonly message: string };

/** A batch as the ledger keeps it while it is pending: enough to find its results after a restart. */
export interface PendingBatch {
  /** The provider's batch id; `staged:<upload>` while it is {@link PendingBatch.staged}. */
  readonly id: string;
  /** The provider and endpoint it was sent to (`openai http://…/v1 chat`), so another model does not adopt it. */
  readonly target: string;
  /** The `custom_id` of every request in it. */
  readonly customIds: readonly string[];
  /** When it was submitted, ms since the epoch (the batch model's clock): a staged batch is looked for among those made since. */
  readonly submittedAt: number;
  /** The provider's reference to its uploaded lines (OpenAI's input file id), for a provider that uploads first. */
  readonly upload?: string | undefined;
  /**
   * Its lines are uploaded and the batch is being made (or was, and the run ended before it heard the id): a run that
   * finds it so asks the provider ({@link BatchApi.find}) which batch, if any, was made from `upload`.
   */
  readonly staged?: boolean | undefined;
}

/**
 * Where pending batches are kept across runs (a task's ledger: a sidecar file, or a table): written when a batch is
 * submitted (staged by its upload first, where the provider uploads before it makes the batch, then by its id),
 * removed once its results are read.
 */
export interface BatchJournal {
  /** Every pending batch, in submission order. */
  list(): readonly PendingBatch[];
  /** Adds or replaces a batch (by id). @throws {DatastoreError} when it cannot be written */
  put(batch: PendingBatch): void;
  /** Forgets a batch. @throws {DatastoreError} when it cannot be written */
  remove(id: string): void;
}

/** One provider's batch jobs. Every method may throw an `ApiCallError`; `signal` aborts the HTTP request. */
export interface BatchApi {
  /** Names the provider and endpoint in messages and in {@link PendingBatch.target}. */
  readonly target: string;
  readonly limits: BatchLimits;
  /**
   * The line of one request, byte for byte the body a direct call sends, keyed by `customId`.
   * @throws {ConfigError} for a parameter the provider cannot take
   */
  lineOf(customId: string, request: ModelRequest): BatchLine;
  /**
   * Uploads the lines (all of one method) and creates the batch; resolves with its id. A provider that uploads first
   * (OpenAI, Azure) calls `staged` with the upload's reference between the upload (free) and the creation (paid), so
   * the caller can journal it: a run killed before it hears the id finds the batch again with {@link BatchApi.find}.
   */
  submit(lines: readonly BatchLine[], method: ModelRequest['method'], signal: AbortSignal, staged?: (upload: string) => void): Promise<string>;
  /**
   * The id of the batch made from the upload `upload`, if any, looking at batches made since `since` (when the upload
   * was staged, ms since the epoch; 15 minutes of clock skew allowed); undefined when the provider lists none (yet: the
   * caller asks again for a while). Absent for a provider that makes a batch in one request (Anthropic): there is
   * nothing to journal before it is paid for.
   */
  find?(upload: string, since: number, signal: AbortSignal): Promise<string | undefined>;
  /** One poll of the batch's state. */
  status(id: string, signal: AbortSignal): Promise<BatchState>;
  /** The results of an ended batch, by `custom_id`; a request missing here did not finish (expired, cancelled). */
  results(id: string, signal: AbortSignal): Promise<ReadonlyMap<string, BatchItemResult>>;
}
