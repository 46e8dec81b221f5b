/**
 * Documents as a prompt shows them, in DGT's layout: `[Document 1 | id=<id>]` then the text, documents separated
 * by a blank line (`withIds: false` drops the `| id=` part, as DGT's scenario prompt does); `empty` when there are none.
 *
 * ## Example
 * ```ts
 * renderDocuments([{ id: 'fees', text: 'Late fees are 10 cents a day.' }], '(no documents provided)');
 * // '[Document 1 | id=fees]\nLate fees are 10 cents a day.'
 * ```
 */
export function renderDocuments(documents: readonly { readonly id?: unknown; readonly text?: unknown }[], empty: string, options: { readonly withIds?: boolean } = {}): string {
  if (documents.length === 0) return empty;
  return documents
    .map((document, index) => {
      const id = document.id ?? String(index + 1);
      const text = typeof document.text === 'string' ? document.text : '';
      return `${options.withIds === false ? `[Document ${index + 1}]` : `[Document ${index + 1} | id=${String(id)}]`}\n${text}`;
    })
    .join('\n\n');
}
