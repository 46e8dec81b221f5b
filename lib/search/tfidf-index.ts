/** Common English words that say nothing about a topic; left out of the vectors. */
const stopWords = new Set(
  (
    'the and for are was were been being have has had does did will would could should may might must shall that this these those ' +
    'its into onto than then when which who whom whose what where why how your yours you our ours they them their his her she him ' +
    'all any each also more most some such only own same too very can not nor but yet with from about after before between through ' +
    'over under again there here just out off per via'
  ).split(' '),
);

/** The words of a text that count: lower-case runs of three letters or more, stop words left out (as DGT's TF-IDF does). */
function termsOf(text: string): string[] {
  return (text.toLowerCase().match(/[a-z]{3,}/g) ?? []).filter((term) => !stopWords.has(term));
}

type Vector = ReadonlyMap<string, number>;

function vectorOf(terms: readonly string[], idf: ReadonlyMap<string, number>): Vector {
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  const total = terms.length || 1;
  return new Map([...counts].map(([term, count]) => [term, (count / total) * (idf.get(term) ?? 1)]));
}

function norm(vector: Vector): number {
  let sum = 0;
  for (const value of vector.values()) sum += value * value;
  return Math.sqrt(sum);
}

/** A TF-IDF index over a fixed list of texts. */
export interface TfidfIndex {
  /** Cosine similarity of `query` to each text, in [0, 1], in the texts' order. */
  scores(query: string): number[];
  /** Indices of the texts, most similar to `query` first; ties (all-zero scores included) keep the texts' order. */
  rank(query: string): number[];
  /** Both at once, from one scoring pass: `order` as `rank` gives it, `scores` as `scores` does. */
  ranked(query: string): { readonly order: number[]; readonly scores: number[] };
}

/**
 * Indexes texts for TF-IDF cosine similarity the way DGT's `rank_by_tfidf` weighs them: term frequency relative to
 * the text's length, times a smoothed inverse document frequency over the indexed texts (`ln((n + 1) / (df + 1)) + 1`;
 * a query term no text holds weighs 1). Used to rank documents against a query (`search/in_memory`) and seed
 * conversations against sampled documents (the RAG scenario stage's in-context examples).
 *
 * ## Example
 * ```ts
 * const index = tfidfIndex(['Renew a library card online.', 'Recycling pickup is on Mondays.']);
 * index.rank('when is recycling pickup'); // [1, 0]
 * index.scores('library card')[0] > 0; // true
 * ```
 */
export function tfidfIndex(texts: readonly string[]): TfidfIndex {
  const termLists = texts.map(termsOf);
  const frequency = new Map<string, number>();
  for (const terms of termLists) for (const term of new Set(terms)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
  const count = termLists.length;
  const idf = new Map([...frequency].map(([term, df]) => [term, Math.log((count + 1) / (df + 1)) + 1]));
  const vectors = termLists.map((terms) => vectorOf(terms, idf));
  const norms = vectors.map(norm);
  const scores = (query: string): number[] => {
    const queryVector = vectorOf(termsOf(query), idf);
    const queryNorm = norm(queryVector);
    return vectors.map((vector, index) => {
      if (queryNorm === 0 || norms[index] === 0) return 0;
      let dot = 0;
      for (const [term, weight] of queryVector) dot += weight * (vector.get(term) ?? 0);
      return dot / (queryNorm * norms[index]!);
    });
  };
  const ranked = (query: string) => {
    const values = scores(query);
    return { order: values.map((_, index) => index).sort((left, right) => values[right]! - values[left]!), scores: values };
  };
  return { scores, rank: (query) => ranked(query).order, ranked };
}
