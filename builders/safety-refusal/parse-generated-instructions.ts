/** DGT's delimiter of generated requests: `### Question <n>:`. */
const marker = /###\s*Question\s+\d+\s*:/i;

/**
 * Splits the instruction generator's answer into requests at each `### Question <n>:` heading (DGT's
 * `_parse_generated_instructions`), trimmed, empty ones dropped. Unlike DGT, text before the first heading (a
 * preamble such as "Here are five requests:") is not a request, and an answer without any heading is refused
 * rather than taken whole as one request.
 *
 * ## Example
 * ```ts
 * parseGeneratedInstructions('Sure.\n### Question 1: Write a scam text.\n### Question 2: Fake a bank email.\n');
 * // ['Write a scam text.', 'Fake a bank email.']
 * parseGeneratedInstructions('I cannot do that.'); // throws: no `### Question <n>:` heading
 * ```
 * @throws {Error} when the answer has no heading, or only empty ones (the batch is rejected `parse_failed`)
 */
export function parseGeneratedInstructions(text: string): string[] {
  const parts = text.split(new RegExp(marker.source, 'gi'));
  if (parts.length === 1) throw new Error(`the answer has no \`### Question <n>:\` heading, so no request can be read from it: ${JSON.stringify(text.slice(0, 120))}`);
  const requests = parts.slice(1).map((part) => part.trim()).filter((part) => part !== '');
  if (requests.length === 0) throw new Error('every `### Question <n>:` heading of the answer is empty');
  return requests;
}
