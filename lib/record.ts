/** A record's fields: a plain, immutable JSON-like object. */
export type Fields = Readonly<Record<string, unknown>>;

/**
 * A record in DGT's flat output shape: `task_name`, `is_seed`, then the task's own fields.
 * This is what a task's observable emits and what lands in `data.jsonl`.
 */
export type DataPoint = Fields & { readonly task_name: string; readonly is_seed: boolean };

/** Why a record was rejected: one problem, attributed to the block that found it. */
export interface RecordIssue {
  /** snake_case kind of problem, e.g. `parse_failed`, `duplicate`, `lm_call_failed`. */
  readonly code: string;
  /** One human sentence. */
  readonly message: string;
  /** Name of the block that raised it (`generator`, `dedup`, ...). */
  readonly block: string;
  /** Field path inside the record, when the issue is about one field. */
  readonly path?: readonly (string | number)[];
}

/** LM usage of one engine and model: calls, tokens and their cost. */
export interface ModelUsage {
  readonly calls: number;
  /** Answers served from a cache: no tokens spent, no cost. */
  readonly cachedCalls: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** US dollars, from the engine's price (USD per million tokens); 0 without one. */
  readonly costUsd: number;
}

/** LM usage attributed to one record, summed by every block that called a model for it: totals and, by `<block>: <provider>/<model>`, the parts. */
export interface Usage extends ModelUsage {
  readonly byModel: Readonly<Record<string, ModelUsage>>;
}

/**
 * An outcome's part of its input, as a fraction `[numerator, denominator]`: a builder that makes several records
 * from one input (fan-out, see `fanOut`) splits its input's share among them, and the task settles the input once
 * the shares of its outcomes add up to one. Absent means the whole input (`[1, 1]`).
 */
export type Share = readonly [numerator: number, denominator: number];

interface OutcomeBase {
  /**
   * The input this outcome comes from: `<sequence>-<hash>`, a function of the task, the input (its seed draw or data
   * row) and its sequence number, the same on every run. Records on disk carry it as `rxdgt_id`.
   */
  readonly id: string;
  /** This outcome's part of its input, when the input made several outcomes. @default [1, 1] */
  readonly share?: Share;
  /** LM usage spent on this record so far. */
  readonly usage?: Usage;
  /** The worker (`<host>:<pid>`) that made it, in a distributed run (`rxdgt run --queue`). */
  readonly worker?: string;
}

/** A record that every block so far has accepted. */
export interface Accepted<T> extends OutcomeBase {
  readonly status: 'accepted';
  readonly record: T;
}

/** A record some block rejected: it keeps its last good shape and every issue. Rejections are data. */
export interface Rejected extends OutcomeBase {
  readonly status: 'rejected';
  readonly record: unknown;
  readonly issues: readonly RecordIssue[];
  /**
   * The record as the rejecting block received it, when the block marked the record it rejected (a validator's
   * `is_valid: false` and `metadata`, a dedupe's duplicate among them): what a generation task's pool of machine-made
   * examples takes for a duplicate, the very record it would have taken had this one been kept.
   */
  readonly received?: unknown;
}

/**
 * A record made by an earlier run and read back from disk on resume. It flows through the pipeline
 * so stateful blocks (dedupe) rebuild their state; every other block passes it through untouched.
 */
export interface Restored extends OutcomeBase {
  readonly status: 'restored';
  readonly record: DataPoint;
}

/** What flows between block operators: one outcome per input, accepted, rejected or restored. */
export type Outcome<T> = Accepted<T> | Rejected | Restored;
