import type { Conversation } from '../../../lib/conversation/conversation.ts';
import { tfidfIndex } from '../../../lib/search/tfidf-index.ts';
import { ragScenarioOf } from './rag-scenario-of.ts';

/** A text cut to about `maxWords` words when longer: its first, middle and last thirds joined by ` [...] ` (DGT's cut). */
function shortenText(text: string, maxWords = 300): string {
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length <= maxWords) return text;
  const third = Math.floor(maxWords / 3);
  const middleStart = Math.floor((words.length - third) / 2);
  return [words.slice(0, third), words.slice(middleStart, middleStart + third), words.slice(words.length - third)].map((part) => part.join(' ')).join(' [...] ');
}

const roles = ['rag/scenario', 'scenario'];

/**
 * The seed conversations a scenario prompt shows: when some seeds carry documents, the `count` whose documents are
 * most like `documentText` (TF-IDF); otherwise `count` drawn at random (DGT's choice of in-context examples).
 */
function pickScenarioExamples(seeds: readonly Conversation[], documentText: string, count: number, random: () => number): Conversation[] {
  const seedTexts = seeds.map((seed) => {
    return ragScenarioOf(seed.steps).documents.map((document) => (typeof document['text'] === 'string' ? document['text'] : '')).join(' ');
  });
  if (seedTexts.some((text) => text !== '')) return tfidfIndex(seedTexts).rank(documentText).slice(0, count).map((index) => seeds[index]!);
  const pool = [...seeds];
  const picked: Conversation[] = [];
  while (picked.length < count && pool.length > 0) picked.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  return picked;
}

/** Seed conversations as prompt examples (see {@link scenarioExamples}). */
function renderScenarioExamples(seeds: readonly Conversation[]): string {
  return seeds
    .flatMap((seed) => {
      const step = seed.steps.findLast((candidate) => roles.includes(candidate.role));
      if (!step) return [];
      const { documents } = ragScenarioOf([step], roles);
      const reasoning = (step as Readonly<Record<string, unknown>>)['reasoning'];
      const parts: string[] = [];
      if (step.role === 'rag/scenario' && documents.length > 0) {
        const shown = documents.map((document, index) => `[Document ${index + 1}]\n${shortenText(typeof document['text'] === 'string' ? document['text'] : '')}`);
        parts.push(`Documents:\n${shown.join('\n\n')}`);
      }
      const answer = { scenario: step.content, reasoning: step.role === 'rag/scenario' && typeof reasoning === 'string' ? reasoning : '' };
      parts.push(`Output:\n${JSON.stringify(answer)}`);
      return [parts.join('\n')];
    })
    .join('\n\n---\n\n');
}

/**
 * The in-context examples of the RAG scenario prompt, as text: `count` seed conversations (when some seeds carry
 * documents, those whose documents are most like `documentText` by TF-IDF; otherwise drawn at random, as DGT
 * picks them), each shown as its documents (shortened to about 300 words, `[Document i]`) when its `rag/scenario`
 * step has some, then `Output:` and the JSON answer it stands for (`{"scenario": ..., "reasoning": ...}`);
 * examples separated by `---`. Seeds without a scenario step are skipped; '' when none is left.
 *
 * ## Example
 * ```ts
 * scenarioExamples([seed], 'Library cards are free for residents.', 2, Math.random);
 * // 'Documents:\n[Document 1]\nLibrary cards are free...\nOutput:\n{"scenario":"A new resident...","reasoning":""}'
 * ```
 */
export function scenarioExamples(seeds: readonly Conversation[], documentText: string, count: number, random: () => number): string {
  return renderScenarioExamples(pickScenarioExamples(seeds, documentText, count, random));
}
