/**
 * A document as a search engine hands it out, in the form DGT serializes its `Document` (`to_dict`): `id` and
 * `text` always, `score` only when the engine ranked it (higher is better), `metadata` only when it is not empty (the
 * corpus record's other fields).
 */
export interface SearchDocument {
  readonly id: string;
  readonly text: string;
  readonly score?: number;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/**
 * A {@link SearchDocument} with DGT's serialization rules: `score` left out when undefined or null, `metadata` left out
 * when empty; keys in DGT's order (`id`, `text`, `score`, `metadata`).
 *
 * ## Example
 * ```ts
 * searchDocument({ id: 'd1', text: 'Open 9 to 5.', metadata: {} }); // { id: 'd1', text: 'Open 9 to 5.' }
 * searchDocument({ id: 'd1', text: 'Open 9 to 5.', score: 0.4, metadata: { title: 'Hours' } });
 * // { id: 'd1', text: 'Open 9 to 5.', score: 0.4, metadata: { title: 'Hours' } }
 * ```
 */
export function searchDocument(fields: { readonly id: string; readonly text: string; readonly score?: number | null | undefined; readonly metadata?: Readonly<Record<string, unknown>> | undefined }): SearchDocument {
  const { id, text, score, metadata } = fields;
  return {
    id,
    text,
    ...(typeof score === 'number' ? { score } : {}),
    ...(metadata && Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
}
