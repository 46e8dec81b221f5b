/**
 * The scripted generator of `public/rag/conversation`, shared by its end-to-end spec and the builders benchmark
 * (`spec/bench/builder-server-process.ts`): each RAG stage answered in its format, the conversations of some
 * scenario numbers deliberately misbehaving, and the joint-config block pointing the generator at a test server.
 *
 * ## Example
 * ```ts
 * const server = await startTestServer({ respond: answers() });
 * writeFileSync('config.yaml', stringify({ databuilders: { [builder]: { blocks: blocks(server.baseURL) } } }));
 * ```
 */
import type { TestServerRequest } from '../../../lib/testing/test-server-options.ts';

/** The builder these answers play, as a joint config names it. */
export const builder = 'public/rag/conversation';

/** The text of every message of a chat request, joined. */
const promptOf = (request: TestServerRequest): string => ((request.body?.messages ?? []) as { content?: unknown }[]).map((message) => String(message.content ?? '')).join('\n');

/** The name of the JSON schema a request asks its answer to follow, if any. */
export const formatOf = (request: TestServerRequest): string | undefined => request.body?.response_format?.json_schema?.name;

/** Options of {@link responder}. */
export interface ResponderOptions {
  /**
   * Scenario numbers a round of misbehaviours spans: scenario `n` behaves as scenario `n % cycle` does. Without it
   * only S0 to S5 misbehave, once each.
   */
  readonly cycle?: number;
}

/**
 * Answers each RAG stage in its format. Scenarios are numbered S0, S1, ... in request order; the conversation of
 * each number gets its own misbehaviour: S0 a JSON scenario without `scenario`; S1 a critique that fails once, then
 * passes; S2 a user turn without an utterance; S3 unreadable critiques; S4 critiques that always fail; S5 a
 * plain-text scenario and user turns with a `proposed_utterance` only; later ones all well-formed. With
 * `options.cycle` the misbehaviours come back every `cycle` scenarios.
 */
export function responder(options: ResponderOptions = {}): (request: TestServerRequest) => string {
  let scenarios = 0;
  const critiques = new Map<string, number>();
  /** Which misbehaviour a scenario number plays: its own number, or its place in the cycle. */
  const caseOf = (number: number): number => (options.cycle === undefined ? number : number % options.cycle);
  return (request) => {
    const prompt = promptOf(request);
    const tag = /Scenario S(\d+)/.exec(prompt)?.[1] ?? /Question S(\d+)/.exec(prompt)?.[1];
    const kind = tag === undefined ? undefined : caseOf(Number(tag));
    switch (formatOf(request)) {
      case 'scenario': {
        const number = scenarios++;
        if (caseOf(number) === 0) return '{"reasoning": "I read them."}';
        if (caseOf(number) === 5) return `Scenario S${number} told in plain words.`;
        return JSON.stringify({ reasoning: `Notes ${number}.`, scenario: `Scenario S${number}: a resident needs help.` });
      }
      case 'flow_controller': {
        const turns = (prompt.match(/^User: /gm) ?? []).length;
        return JSON.stringify({ reasoning: 'checked', eligible_patterns: turns >= 2 ? ['rag/termination'] : ['rag/factoid'] });
      }
      case 'hint_generator':
        return '{"hint": "Ask one specific fact."}';
      case 'rag_user_turn': {
        const asked = (prompt.match(new RegExp(`Question S${tag} `, 'g')) ?? []).length;
        if (kind === 2) return '{"reasoning": "thinking", "verification": "yes"}';
        if (kind === 5) return JSON.stringify({ reasoning: 'r', proposed_utterance: `Question S${tag} t${asked + 1}?`, verification: 'no', verification_reasoning: 'v', utterance: '' });
        return JSON.stringify({ reasoning: 'r', proposed_utterance: 'draft', verification: 'yes', verification_reasoning: 'fine', utterance: `Question S${tag} t${asked + 1}?` });
      }
      case 'rag_critique': {
        const seen = (critiques.get(tag ?? '') ?? 0) + 1;
        critiques.set(tag ?? '', seen);
        if (kind === 3) return 'This answer looks fine to me.';
        if (kind === 4 || (kind === 1 && seen === 1)) return '{"reasoning": "The fee is not in the documents.", "valid": "no", "issues": "The fee is made up."}';
        return '{"reasoning": "Every claim is in Document 1.", "valid": "yes", "issues": ""}';
      }
      default: {
        const rewrite = prompt.includes('[REWRITE REQUEST]') ? ' (rewritten)' : '';
        return `Answer for S${tag}${rewrite}.`;
      }
    }
  };
}

/**
 * A responder for one test server, as the builders benchmark uses it: {@link responder} with its misbehaviours
 * coming back every 10 scenarios. The spec's script misbehaves for S0 to S5 only, so a longer run would be all
 * well-formed after them; cycled, 4 conversations in 10 are dropped (S0, S2, S3, S4) and 2 more are kept only after
 * a rewrite or from a draft (S1, S5), whatever the run's length. Scenario numbers keep counting, so no two
 * conversations say the same thing.
 */
export function answers(): (request: TestServerRequest) => string {
  return responder({ cycle: 10 });
}

/** The joint-config block pointing the generator at `baseURL`. */
export function blocks(baseURL: string): Record<string, unknown>[] {
  return [{ name: 'generator', type: 'openai', base_url: baseURL, model_id_or_path: 'test-model' }];
}
