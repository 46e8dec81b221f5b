import { z } from 'zod';

/** The criteria DGT's knowledge builder judges a pair by, in its order. */
export const knowledgeCriteria = ['faithfulness', 'relevancy', 'question_verification'] as const;

/** One judging criterion of {@link knowledgeCriteria}. */
export type KnowledgeCriterion = (typeof knowledgeCriteria)[number];

/** A document as DGT's `extract_docs` takes it: a text, a record with `content`, or a list of such. */
export type KnowledgeDocument = string | { readonly content: string; readonly [key: string]: unknown } | readonly KnowledgeDocument[];

const documentSchema: z.ZodType<KnowledgeDocument> = z.lazy(() =>
  z.union([z.string(), z.looseObject({ content: z.string().min(1, 'a document record needs a non-empty `content`') }), z.array(documentSchema)]),
);

/**
 * The task fields of `instructlab/knowledge` (DGT's `KnowledgeTask`), checked strictly with the rest of the task.
 *
 * ## Example
 * ```yaml
 * data_builder: instructlab/knowledge
 * include:
 *   documents:
 *     solar: docs/solar.md      # documents.<group>: a text, a record with `content`, or a list of them
 * domain: astronomy             # @default the task name
 * chunk_size: 800               # words per chunk; below 1 keeps whole documents. @default -1
 * loop_over: true               # use the chunks again once every one was used. @default false
 * num_icl_examples_per_prompt: 3
 * question_style: FRQ           # FRQ (free response) or MCQ (multiple choice)
 * criteria: [faithfulness, relevancy, question_verification]  # @default all three; [] judges nothing
 * ```
 */
export const knowledgeTaskFields = {
  /** What the documents are about, shown to the generator. @default the task name */
  domain: z.string().min(1).nullable().optional(),
  /** Words per chunk (whitespace-split); below 1 keeps whole documents. @default -1 */
  chunk_size: z.int().optional(),
  /** Whether chunks are used again once each was used (DGT's knowledge dataloader `loop_over`). @default false */
  loop_over: z.boolean().optional(),
  /** The documents by group, as `include: { documents: { <group>: path | glob } }` reads them. */
  documents: z.record(z.string(), documentSchema).optional(),
  /** DGT's datastore of documents: not read by rxdgt yet (use `include.documents`). */
  knowledge: z.record(z.string(), z.unknown()).optional(),
  /** Seed pairs shown per free-response prompt. @default 3 */
  num_icl_examples_per_prompt: z.int().min(1).optional(),
  /** DGT's documents per generation round; rxdgt uses one chunk per input, so it changes nothing. @default 100 */
  num_docs_per_iteration: z.int().min(1).optional(),
  /** A folder (inside the task's folder) of prompt templates replacing the builder's, by file name. */
  prompt_templates_dir: z.string().min(1).optional(),
  /** `FRQ` (free-response) or `MCQ` (multiple-choice) questions. @default 'FRQ' */
  question_style: z.enum(['FRQ', 'MCQ']).optional(),
  /** The criteria each pair must pass, in order; null means all three. @default all three */
  criteria: z.array(z.enum(knowledgeCriteria)).nullable().optional(),
};
