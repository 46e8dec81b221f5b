import type { MonoTypeOperatorFunction, Observable } from 'rxjs';
import type { z } from 'zod';
import type { EmbeddingEngine } from '../model/embedding-engine.ts';
import type { Engine } from '../model/engine.ts';
import type { DataPoint, Fields, Outcome, Usage } from '../record.ts';

/**
 * What a block reads from a record (its inputs, after `input_map`) or gives back (its outputs, before `output_map`):
 * a plain object keyed by the block's own field names.
 */
export type BlockFields = Readonly<Record<string, unknown>>;

/** A validator's answer about one record. `valid: false` rejects it when the block's `filter` is on. */
export type Verdict =
  | { readonly valid: true; readonly metadata?: Fields | undefined; readonly outputs?: BlockFields | undefined }
  | {
      readonly valid: false;
      /** One human sentence: why the record fails. */
      readonly reason: string;
      /** snake_case issue code. @default 'invalid' */
      readonly code?: string | undefined;
      /** DGT's `metadata` of the verdict, kept on the record (and on its rejected line). */
      readonly metadata?: Fields | undefined;
      /** Outputs written even when invalid (a judge's raw answer, a score). */
      readonly outputs?: BlockFields | undefined;
      /** Where in the checked text the problem is (1-based), for syntax checks. */
      readonly line?: number | undefined;
      readonly column?: number | undefined;
    };

/** What a per-record block function may return: the value itself, a promise of it, or an observable of one value. */
export type BlockAnswer<T> = T | PromiseLike<T> | Observable<T>;

/** What a block function knows about the record it works on. */
export interface BlockCall {
  /** The input's id (`rxdgt_id`). */
  readonly id: string;
  /** The whole record, before `input_map`. */
  readonly record: DataPoint;
  /** Aborted when the run no longer wants this record (stopped, cancelled). */
  readonly signal: AbortSignal;
  /** For the first block of a generation pipeline: the in-context examples of the input, and its seed. */
  readonly examples?: readonly DataPoint[] | undefined;
  readonly seed?: number | undefined;
  /** Adds LM usage spent on this record (tokens, cost), so budgets and reports see it. */
  spend(usage: Usage): void;
}

/**
 * How a block behaves, in one of three shapes:
 * - `transform`: one record in, its outputs back (an array of outputs fans the record out into one record each);
 * - `validator`: one record in, a {@link Verdict} back; `filter`, `is_valid` and `metadata` are handled for it;
 * - `operator`: the whole stream, for blocks with state across records (dedupe); `read` gives a record's inputs.
 * A transform or validator that throws (or errors) rejects that record only, with the error's message.
 */
export type BlockBehaviour =
  | {
      readonly kind: 'transform';
      run(input: BlockFields, call: BlockCall): BlockAnswer<BlockFields | readonly BlockFields[]>;
      /** Records worked on at once (LM blocks: their engine's call limit). @default 1 */
      readonly concurrency?: number | undefined;
    }
  | {
      readonly kind: 'validator';
      check(input: BlockFields, call: BlockCall): BlockAnswer<Verdict>;
      /** @default 1 */
      readonly concurrency?: number | undefined;
    }
  | {
      readonly kind: 'operator';
      operator(read: (record: DataPoint) => BlockFields): MonoTypeOperatorFunction<Outcome<DataPoint>>;
    };

/** The fields every block takes, whatever its type (DGT's `Block` and `ValidatorBlock` arguments). */
export interface CommonBlockFields {
  readonly name: string;
  readonly type: string;
  /** Record path → block input, e.g. `{ question: input }`. */
  readonly input_map?: Readonly<Record<string, string>> | readonly string[] | undefined;
  /** Block output → record path, e.g. `{ result: answers[+] }`. */
  readonly output_map?: Readonly<Record<string, string>> | readonly string[] | undefined;
}

/** Where a block was written, and what it may build on. */
export interface BlockContext {
  /** The file the block's config came from (a builder YAML, or the joint config that overrode it). */
  readonly file: string;
  /** The block's field path in that file (`blocks.2`). */
  readonly field: string;
  /** The folder of the builder YAML, for files a block names (prompts). */
  readonly directory: string;
  /** The builder's kind: a generation pipeline's first block sees the input's `examples`. */
  readonly builderKind: 'generation' | 'transformation';
  /**
   * An LM engine from an engine config nested in this block (`lm_config`), with the run's defaults (cache, prices).
   * @param config the nested block config (`type`, `model_id_or_path`, ...)
   * @param field its field name in this block, for errors (`lm_config`)
   */
  engine(config: unknown, field: string): Engine;
  /** An embedding engine from a nested embedding config (`embedding_config`); says so clearly when it is missing. */
  embedder(config: unknown, field: string): EmbeddingEngine;
}

/**
 * A block type: its DGT `type` name, its own fields (checked by zod, unknown fields are errors) and a factory.
 * The registry adds the common fields (`name`, `type`, `input_map`, `output_map`, and `filter` for validators).
 *
 * ## Example
 * ```ts
 * import { z } from 'zod';
 * const upper: BlockDefinition<{ field: z.ZodString }> = {
 *   type: 'upper', summary: 'upper-cases one field', fields: { field: z.string() },
 *   create: (config) => ({ kind: 'transform', run: (input) => ({ [config.field]: String(input[config.field]).toUpperCase() }) }),
 * };
 * ```
 */
export interface BlockDefinition<Shape extends z.ZodRawShape = z.ZodRawShape> {
  /** DGT's block `type` (`noop`, `validators/json`, `dedup/minhash`, ...). */
  readonly type: string;
  /** One line for listings and docs. */
  readonly summary: string;
  /** The block's own fields. */
  readonly fields: Shape;
  /**
   * The block's named inputs (DGT's block data fields): each is read from the record at the path `input_map` gives
   * it (by default, the field of the same name). A required one that is absent rejects the record (`input_missing`).
   * Without `inputs`, the block reads the whole record, with `input_map`'s renames.
   */
  readonly inputs?: { readonly required: readonly string[]; readonly optional?: readonly string[] } | undefined;
  /** Whether the block is a validator: it takes `filter` (true: reject invalid records; false: keep them, marked). */
  readonly validator?: boolean | undefined;
  /** The default of `filter` for this validator (DGT: false). @default false */
  readonly filterByDefault?: boolean | undefined;
  /**
   * The block needs every record of the task before it can emit any (a whole-dataset comparison): it cannot run on
   * the workers of a distributed run, which see one input at a time (a postprocessor can: it runs where the task is).
   */
  readonly wholeInput?: true | undefined;
  create(config: z.output<z.ZodObject<Shape>> & CommonBlockFields & { readonly filter: boolean }, context: BlockContext): BlockBehaviour;
}
