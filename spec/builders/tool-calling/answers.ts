/**
 * The scripted test model of `tool_calling/multi_turn/stateless`, shared by its end-to-end spec and the builders
 * benchmark (`spec/bench/builder-server-process.ts`): the answers to every stage of the library sample (some
 * deliberately wrong) and of its `no_bt` ablation, the tool simulator's results, the joint-config block pointing the
 * generator at a test server, and the joint-config task entries pointing each sample's tool simulator there too.
 *
 * ## Example
 * ```ts
 * const server = await startTestServer({ respond: answers() });
 * const config = { databuilders: { [builder]: { blocks: blocks(server.baseURL) } }, tasks: tasks(server.baseURL) };
 * writeFileSync('config.yaml', stringify(config));
 * ```
 */
import type { TestServerAnswer, TestServerRequest } from '../../../lib/testing/test-server-options.ts';

/** The builder these answers play, as a joint config names it. */
export const builder = 'tool_calling/multi_turn/stateless';

/** A request's system message: which stage (or the tool simulator) is asking. */
export const system = (request: TestServerRequest): string => String(request.body?.messages?.[0]?.content ?? '');

/** A request's last user message. */
export const lastUser = (request: TestServerRequest): string => String([...(request.body?.messages ?? [])].reverse().find((message: { role: string }) => message.role === 'user')?.content ?? '');

/** Tool calls as the planner and the verifier write them. */
export const tagged = (calls: unknown): string => `Here is my plan.\n<tool_calls>\n${JSON.stringify(calls, null, 2)}\n</tool_calls>`;

/** The first turn's plan (find the member, then hold the book for them), holding `book`. */
export const firstPlanFor = (book: string) => [
  { name: 'find_member', arguments: { email: 'alice@example.org' }, id: '$1' },
  { name: 'reserve_book', arguments: { book_id: book, member_id: '$1.member_id', pickup_branch: 'Central' }, id: '$2' },
];
/** The spec's first plan: {@link firstPlanFor} book BK-1001. */
export const firstPlan = firstPlanFor('BK-1001');
/** The second turn's plan: search the catalogue, then renew the loans by the copies found. */
export const secondPlan = [
  { name: 'search_catalog', arguments: { title: 'Dune', author: 'Herbert' }, id: '$3' },
  { name: 'renew_loans', arguments: { member_id: '$1.member_id', weeks: '$3.copies_available' }, id: '$4' },
];
/** What the tool simulator answers for each tool. */
export const results: Readonly<Record<string, unknown>> = {
  find_member: { member_id: 'M-77', full_name: 'Alice Smith' },
  reserve_book: { reservation_id: 'R-1', ready_by: '2024-05-02' },
  search_catalog: { book_id: 'BK-2002', copies_available: 2 },
  renew_loans: { renewed: 3, new_due_date: '2024-06-01' },
};

/** Options of {@link responder} and {@link noBacktranslationResponder}. */
export interface ResponderOptions {
  /**
   * Conversations a round of misbehaviours spans: with it, each round's first two turn-1 plans are bad, and every
   * `cycle`-th catalogue search and filter review fails; each conversation's book (or title) also carries its
   * number. Without it each misbehaviour happens once and every conversation asks for the same things.
   */
  readonly cycle?: number;
}

/**
 * Answers every stage of the library sample in its format. With one conversation at a time: the first turn-1 plan
 * is garbled, the second calls a tool that does not exist, the first catalogue search fails (its turn is dropped,
 * the first turn kept), the first filter review says no; everything else is good. `options.cycle` repeats them.
 */
export function responder(options: ResponderOptions = {}): (request: TestServerRequest) => string | TestServerAnswer {
  const { cycle } = options;
  const counts = { firstPlans: 0, searches: 0, filters: 0 };
  return (request) => {
    const instructions = system(request);
    const user = lastUser(request);
    if (instructions.startsWith('You play the part of a software tool')) {
      const name = /"name": "(\w+)"/.exec(user.split('Call:')[1] ?? '')?.[1] ?? '';
      if (name === 'search_catalog' && (cycle === undefined ? counts.searches : counts.searches % cycle) === 0) {
        counts.searches += 1;
        return '{"error": "catalogue offline"}';
      }
      if (name === 'search_catalog') counts.searches += 1;
      return JSON.stringify(results[name] ?? {});
    }
    // The turn-1 book: BK-1001, or with a cycle BK-1000 plus the plan's number; later stages read it back.
    const book = /BK-\d+/.exec(user)?.[0] ?? 'BK-1001';
    if (instructions.startsWith('You are a planning agent')) {
      if (/<prior_tool_calls>\n\[\]/.test(user)) {
        counts.firstPlans += 1;
        const place = cycle === undefined ? counts.firstPlans : ((counts.firstPlans - 1) % cycle) + 1;
        const plan = firstPlanFor(cycle === undefined ? 'BK-1001' : `BK-${1000 + counts.firstPlans}`);
        if (place === 1) return 'I think the member should first look around the library.';
        if (place === 2) return tagged([{ name: 'launch_rocket', arguments: { target: 'Moon' }, id: '$1' }, ...plan.slice(1)]);
        return tagged(plan);
      }
      return tagged(secondPlan);
    }
    if (instructions.startsWith('You write what a user says')) {
      return user.includes('search_catalog')
        ? '<request>Also look up Dune by Herbert and stretch my loans by however many copies are on the shelf.</request>'
        : `<request>Please hold book ${book} for me at the Central branch; my card is under alice@example.org.</request>`;
    }
    if (instructions.startsWith("You are an assistant that answers a user's request")) {
      return user.includes('Dune') ? tagged(secondPlan) : tagged(firstPlanFor(book));
    }
    if (instructions.startsWith('You are an assistant who has just run')) return '<summary>I placed the hold and it will be ready by 2 May.</summary>';
    if (instructions.startsWith('You review a conversation')) {
      const failing = (cycle === undefined ? counts.filters : counts.filters % cycle) === 0;
      counts.filters += 1;
      return failing ? '<thought>The member id is invented.</thought>\n<pass>no</pass>' : '<thought>Consistent.</thought>\n<pass>yes</pass>';
    }
    if (instructions.startsWith('You are an assistant that uses tools')) return { toolCalls: [{ name: 'find_member', arguments: { email: 'bob@example.org' } }] };
    if (instructions.startsWith('A student made a mistake')) return '<hint>Check whose address the card is under</hint>';
    return 'unexpected request';
  };
}

/**
 * Answers every stage of the `no_bt` sample: a first plan of one catalogue search (for Dune by Herbert, or with a
 * cycle for volume n of it) and a second of one renewal, a request naming each, and a prediction that leaves out
 * the author (so error_hint adds a wrong call and its hint). The spec runs one turn, so it never plans a renewal.
 */
export function noBacktranslationResponder(options: ResponderOptions = {}): (request: TestServerRequest) => string {
  let plans = 0;
  return (request) => {
    const instructions = system(request);
    const user = lastUser(request);
    if (instructions.startsWith('You play the part of a software tool')) {
      return /"name": "renew_loans"/.test(user.split('Call:')[1] ?? '') ? JSON.stringify(results['renew_loans']) : '{"book_id": "BK-2002", "copies_available": 2}';
    }
    if (instructions.startsWith('You are a planning agent')) {
      if (!/<prior_tool_calls>\n\[\]/.test(user)) return tagged([{ name: 'renew_loans', arguments: { member_id: 'M-77', weeks: 2 }, id: '$2' }]);
      plans += 1;
      return tagged([{ name: 'search_catalog', arguments: { title: options.cycle === undefined ? 'Dune' : `Dune volume ${plans}`, author: 'Herbert' }, id: '$1' }]);
    }
    // The book of the conversation: from the plan a prompt shows, or from the first request.
    const title = /"title": "([^"]+)"/.exec(user)?.[1] ?? /find (.+?) by Herbert/.exec(JSON.stringify(request.body?.messages ?? []))?.[1] ?? 'Dune';
    if (instructions.startsWith('You write what a user says')) {
      return user.includes('renew_loans') ? '<request>Please renew my loans for 2 more weeks; my card number is M-77.</request>' : `<request>Can you find ${title} by Herbert?</request>`;
    }
    if (instructions.startsWith('You are an assistant who has just run')) return '<summary>Two copies of Dune are on the shelf.</summary>';
    if (instructions.startsWith('You review a conversation')) return '<thought>Fine.</thought><pass>yes</pass>';
    if (instructions.startsWith('You are an assistant that uses tools')) return JSON.stringify({ name: 'search_catalog', arguments: { title } });
    if (instructions.startsWith('A student made a mistake')) return '<hint>The author is missing</hint>';
    return 'unexpected request';
  };
}

/** The model id the `no_bt` sample's tool simulator asks for in {@link tasks}: how {@link answers} tells its calls apart. */
const noBacktranslationTools = 'no-bt-tools';

/** Cycle of {@link answers}: 8 library conversations per round of misbehaviours. */
const cycle = 8;

/**
 * A responder for one test server, as the builders benchmark uses it: the library sample's and the `no_bt`
 * sample's answers at once, told apart by the tool simulator's model id and, for the generator, by whether the
 * request names `find_member` (a tool only the library has). The spec's script misbehaves once each, for the first
 * conversations, and asks every conversation for the same book; cycled, each round of 8 library conversations has 2
 * dropped while planning, 1 failed search (kept at its first turn) and 1 rejected by the filter, and each
 * conversation holds its own book (or title), whatever the run's length.
 */
export function answers(): (request: TestServerRequest) => string | TestServerAnswer {
  const library = responder({ cycle });
  const noBacktranslation = noBacktranslationResponder({ cycle });
  return (request) => {
    const simulator = system(request).startsWith('You play the part of a software tool');
    const ablation = simulator ? request.body?.model === noBacktranslationTools : !JSON.stringify(request.body?.messages ?? []).includes('find_member');
    return ablation ? noBacktranslation(request) : library(request);
  };
}

/** The joint-config block pointing the generator at `baseURL`, one answer per call (DGT's builder asks for 8). */
export function generatorBlock(baseURL: string): { readonly name: string } & Record<string, unknown> {
  return { name: 'generator', type: 'openai', base_url: baseURL, model_id_or_path: 'test-model', n: 1 };
}

/** Every joint-config block the builder needs on a test server: {@link generatorBlock}. */
export function blocks(baseURL: string): Record<string, unknown>[] {
  return [generatorBlock(baseURL)];
}

/** The LM block config of a tool simulator on `baseURL`. */
export function simulatorConfig(baseURL: string, model = 'test-model'): Record<string, unknown> {
  return { type: 'openai', base_url: baseURL, model_id_or_path: model };
}

/**
 * The joint-config `tasks:` entries for the two samples: each tool simulator pointed at `baseURL` (a tool engine is
 * a task field, not a builder block). The library sample is also set as its spec sets it: all 4 tools drawn and
 * plans of at least 2 calls, which the scripted plans need.
 */
export function tasks(baseURL: string): Record<string, Record<string, unknown>> {
  const simulator = (model?: string) => ({ tools: { engines: { lm_simulator: { lm_config: simulatorConfig(baseURL, model) } } } });
  return {
    'samples/tool_calling/library': {
      ...simulator(),
      min_plan_length: 2,
      initialization_stages: [
        { name: 'sample/persona', persona_store: { type: 'default', data_path: 'personas.jsonl' } },
        { name: 'tool_calling/multi_turn/stages/scenario_generator', generator: 'generator', sampler_mix: [{ sampler: { type: 'tc/random', k: 4 }, weight: 1.0 }] },
      ],
    },
    'samples/tool_calling/library_no_bt': simulator(noBacktranslationTools),
  };
}
