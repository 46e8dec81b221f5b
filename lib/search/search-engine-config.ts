import { z } from 'zod';

/** One of DGT's error-injection categories of a search engine: fires with `probability` on each search. */
const errorCategory = z.strictObject({
  /** `network_error` (the result is `null` with `message`), `empty_result` (`[]`), `unparseable_result` (`'<garbled>'`), or any other name (an error `Simulated error: <type>`). */
  type: z.string().min(1),
  probability: z.number().min(0).max(1),
  message: z.string().optional(),
});

/** The fields DGT's bounded search engines share (its `FileSearchEngine` and `InMemoryVectorSearchEngine` arguments). */
const corpusEngineFields = {
  /** The corpus file: inside the task's folder. */
  path: z.string().min(1),
  /** `jsonl` (one record a line) or `json` (one array of records). @default 'jsonl' */
  format: z.enum(['jsonl', 'json']).default('jsonl'),
  /** Corpus field name → canonical name (`text`, `id`): `{ body: text, doc_id: id }`. @default {} */
  projection: z.record(z.string(), z.string()).default({}),
  /** Documents a search returns when the call does not say. @default 5 */
  limit: z.int().min(1).default(5),
  /** Ranked documents scoring below it are left out (unranked ones always pass). */
  relevance_threshold: z.number().optional(),
  /** Injected failures, to train on retrieval errors. @default [] */
  error_categories: z.array(errorCategory).default([]),
  /** Tool namespaces the engine serves (accepted for DGT's configs; rxdgt's RAG stages do not route by namespace). */
  namespaces: z.array(z.string().min(1)).optional(),
};

/** `search/file`: documents drawn at random from a corpus file, whatever the query. */
export const fileSearchEngineSchema = z.strictObject({ type: z.literal('search/file'), ...corpusEngineFields });

/**
 * `search/in_memory`: documents ranked by similarity to the query. DGT embeds them with a sentence-transformers model
 * (`embedding_model`); rxdgt ranks by TF-IDF cosine similarity and accepts the field without using it.
 */
export const inMemorySearchEngineSchema = z.strictObject({
  type: z.literal('search/in_memory'),
  ...corpusEngineFields,
  embedding_model: z.string().min(1).default('sentence-transformers/all-minilm-l6-v2'),
});

/**
 * The config of a search engine rxdgt runs (DGT's `tools.engines.<name>` entry of type `search/file` or
 * `search/in_memory`), checked strictly.
 *
 * ## Example
 * ```ts
 * searchEngineConfigSchema.parse({ type: 'search/file', path: 'documents.jsonl', projection: { body: 'text' }, limit: 3 });
 * // { type: 'search/file', path: 'documents.jsonl', format: 'jsonl', projection: { body: 'text' }, limit: 3, error_categories: [] }
 * ```
 */
export const searchEngineConfigSchema = z.discriminatedUnion('type', [fileSearchEngineSchema, inMemorySearchEngineSchema]);

export type SearchEngineConfig = z.output<typeof searchEngineConfigSchema>;
export type SearchErrorCategory = z.output<typeof errorCategory>;
