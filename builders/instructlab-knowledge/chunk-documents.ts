import type { KnowledgeDocument } from './task-fields.ts';

/** One piece of a document the generator writes questions from: DGT's `context` of a knowledge record. */
export interface KnowledgeChunk {
  readonly content: string;
  readonly domain: string;
  /** Words in the chunk, when the task chunks its documents (`chunk_size` of 1 or more). */
  readonly document_len?: number;
}

/** DGT's `extract_docs`: the texts of a document value (a text, a record's `content`, or a list), in order. */
export function documentTexts(document: KnowledgeDocument): string[] {
  if (typeof document === 'string') return [document];
  if (Array.isArray(document)) return document.flatMap((item: KnowledgeDocument) => documentTexts(item));
  return [(document as { readonly content: string }).content];
}

// A line that is only a references heading (`References`, `## References:`): DGT means to drop the section it starts.
const referencesHeading = /^[ \t]*(?:#+[ \t]*)?References[ \t]*:?[ \t]*$/m;

/** The text without a trailing references section, when something comes before it. */
function withoutReferences(text: string): string {
  const match = referencesHeading.exec(text);
  return match && text.slice(0, match.index).trim() !== '' ? text.slice(0, match.index) : text;
}

/** DGT's `fuse_texts`: a chunk of at most `shortWords` words is joined to the chunk before it. */
function fuseShort(chunks: readonly string[], shortWords: number): string[] {
  const fused: string[] = [];
  for (const chunk of chunks) {
    if (fused.length > 0 && chunk.split(/\s+/).filter(Boolean).length <= shortWords) fused[fused.length - 1] += ` ${chunk}`;
    else fused.push(chunk);
  }
  return fused;
}

/**
 * DGT's `prepare_documents_for_generation`: each text without its references section, split into chunks of
 * `chunkSize` whitespace-separated words, each with the domain and its length in words. As in DGT, any chunk of 300
 * words or fewer joins the chunk before it (so a `chunkSize` up to 300 keeps a text in one piece); a `chunkSize`
 * below 1 keeps every text whole.
 *
 * ## Example
 * ```ts
 * chunkDocuments(['one two three four five'], { chunkSize: 2, domain: 'numbers' });
 * // [{ content: 'one two three four five', domain: 'numbers', document_len: 5 }] (short chunks fuse back)
 * ```
 */
export function chunkDocuments(texts: readonly string[], options: { readonly chunkSize: number; readonly domain: string }): KnowledgeChunk[] {
  const { chunkSize, domain } = options;
  return texts.flatMap((text): KnowledgeChunk[] => {
    const content = withoutReferences(text);
    if (chunkSize < 1) return [{ content, domain }];
    const words = content.split(/\s+/).filter(Boolean);
    if (words.length <= chunkSize) return [{ content, domain, document_len: words.length }];
    const pieces: string[] = [];
    for (let start = 0; start < words.length; start += chunkSize) pieces.push(words.slice(start, start + chunkSize).join(' '));
    return fuseShort(pieces, 300).map((piece) => ({ content: piece, domain, document_len: piece.split(' ').length }));
  });
}
