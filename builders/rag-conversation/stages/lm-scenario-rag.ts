import { map, of } from 'rxjs';
import { z } from 'zod';
import { askModel } from '../../../lib/conversation/ask-model.ts';
import { appendStep, makeStep } from '../../../lib/conversation/conversation.ts';
import { drawUuid } from '../../../lib/conversation/draw-uuid.ts';
import { type StageDefinition, type StageOutput, defineStage, dropConversation } from '../../../lib/conversation/stage.ts';
import type { ChatMessage } from '../../../lib/model/language-model.ts';
import type { ResponseFormat } from '../../../lib/model/response-format.ts';
import type { DocumentSampler } from '../../../lib/search/document-sampler.ts';
import { randomDocumentSampler } from '../../../lib/search/random-document-sampler.ts';
import type { SearchDocument } from '../../../lib/search/search-document.ts';
import type { SearchEngine } from '../../../lib/search/search-engine.ts';
import { readJsonAnswer } from './read-json-answer.ts';
import { renderDocuments } from './render-documents.ts';
import { scenarioExamples } from './scenario-examples.ts';

/** The JSON Schema of the scenario answer: `{ reasoning, scenario }` (DGT's `scenario` format). */
export const scenarioFormat: ResponseFormat = {
  name: 'scenario',
  schema: {
    type: 'object',
    properties: {
      reasoning: { type: 'string', description: 'Your analysis of the documents, written before the scenario.' },
      scenario: { type: 'string', description: 'Who the user is and what they need to find out from the documents.' },
    },
    required: ['reasoning', 'scenario'],
    additionalProperties: false,
  },
};

function scenarioMessages(examples: string, documents: readonly SearchDocument[]): ChatMessage[] {
  const parts = [
    'Write the background of a multi-turn conversation in which a user gets help from an AI assistant that answers from the documents below.',
    [
      'Work through it in order:',
      '1. Read every document: what field is it from, and what facts does it hold?',
      '2. Find a real need a person could have that only these documents can settle.',
      '3. Look for what the documents allow beyond single facts: comparisons between them, gaps, exceptions and edge cases.',
      '4. Describe the user: who they are, their situation, and what they want to find out. Use only what the documents say, and make the need broad enough that the assistant must come back to the documents over several turns.',
    ].join('\n'),
    'Answer with a JSON object with two fields: "reasoning" (your notes for steps 1 to 3) and "scenario" (the background itself).',
    ...(examples ? [`Earlier examples (the documents, then the answer written for them):\n\n${examples}`] : []),
    `---\n\nThe documents for this conversation:\n${renderDocuments(documents, '(no documents)', { withIds: false })}`,
  ];
  return [{ role: 'user', content: parts.join('\n\n') }];
}

const samplerEntry = z.strictObject({
  /** DGT's sampler types: `search/random`. */
  type: z.string().min(1),
  /** The engine of `tools.engines` to sample from. */
  engine: z.string().min(1),
  /** This sampler's share of scenarios; the weights of a stage sum to 1. @default 1 */
  weight: z.number().min(0).default(1),
  group_by: z.string().min(1).optional(),
  strategy: z.enum(['uniform', 'proportional']).default('uniform'),
});

/**
 * DGT's `lm/scenario/rag` (initialization, static context) for a task's search engines: per conversation, draws one
 * of `document_samplers` by weight, has it pick `k` documents, and asks the model for a scenario grounded in them
 * (JSON `{ reasoning, scenario }`), showing `num_icl_examples` seed conversations (those whose documents are most
 * alike, else random ones). Appends a `rag/scenario` step: `content` the scenario, `scenario_family_id`, the
 * `documents` (as the engine gave them) and the `reasoning`. An answer that is not JSON is taken as the scenario
 * text, as in DGT. Drops: `no_documents` (the sampler found none), `empty_answer`, `garbled_scenario` (JSON without
 * a `scenario` text).
 *
 * ## Example
 * ```yaml
 * initialization_stages:
 *   - name: lm/scenario/rag
 *     generator: generator
 *     document_samplers:
 *       - { type: search/random, engine: file_retriever, group_by: domain, strategy: uniform, weight: 1.0 }
 *     k: 3
 * ```
 */
export function ragScenarioStage(engines: ReadonlyMap<string, SearchEngine>): StageDefinition {
  return defineStage({
    name: 'lm/scenario/rag',
    config: {
      generator: z.string().min(1).optional(),
      document_samplers: z.array(samplerEntry).min(1),
      k: z.int().min(1).default(5),
      num_icl_examples: z.int().min(0).default(3),
    },
    create: ({ name, config, engine, configError }) => {
      const generator = engine('generator');
      const samplers = config.document_samplers.map((entry, index): { sampler: DocumentSampler; weight: number } => {
        if (entry.type !== 'search/random') throw configError(`unknown document sampler \`${entry.type}\` (known: search/random)`, `document_samplers.${index}.type`);
        const searchEngine = engines.get(entry.engine);
        if (!searchEngine) {
          const known = [...engines.keys()].join(', ') || 'none: the task has no `tools.engines`';
          throw configError(`no search engine named \`${entry.engine}\` in the task's \`tools.engines\` (known: ${known})`, `document_samplers.${index}.engine`);
        }
        return { sampler: randomDocumentSampler(searchEngine, { groupBy: entry.group_by, strategy: entry.strategy }), weight: entry.weight };
      });
      const total = samplers.reduce((sum, { weight }) => sum + weight, 0);
      if (Math.abs(total - 1) > 1e-6) throw configError(`the sampler weights must sum to 1, they sum to ${Number(total.toFixed(6))}`, 'document_samplers');
      return (conversation, context) => {
        let left = context.random();
        const { sampler } = samplers.find(({ weight }) => (left -= weight) < 0) ?? samplers.at(-1)!;
        const documents = sampler.sample(config.k, context.random);
        if (documents.length === 0) return of(dropConversation('no_documents', 'the document sampler found no documents for the scenario'));
        const examples = scenarioExamples(context.examples, documents.map((document) => document.text).join(' '), config.num_icl_examples, context.random);
        return askModel(generator, { method: 'chat', messages: scenarioMessages(examples, documents), maxTokens: 1024, responseFormat: scenarioFormat }, context).pipe(
          map((answer): StageOutput => {
            if (!answer) return dropConversation('empty_answer', 'the model wrote no scenario');
            const read = readJsonAnswer(answer);
            if (read.kind === 'other') return dropConversation('garbled_scenario', `the scenario answer is JSON but not an object (answer: ${answer.slice(0, 200)})`);
            const scenario = read.kind === 'text' ? read.text : typeof read.value['scenario'] === 'string' ? read.value['scenario'].trim() : '';
            if (!scenario) return dropConversation('garbled_scenario', `the scenario answer has no "scenario" text (answer: ${answer.slice(0, 200)})`);
            const reasoning = read.kind === 'object' && typeof read.value['reasoning'] === 'string' && read.value['reasoning'].trim() ? read.value['reasoning'].trim() : null;
            const step = makeStep('rag/scenario', { content: scenario, stage_name: name, scenario_family_id: drawUuid(context.random), documents, reasoning });
            return appendStep(conversation, step);
          }),
        );
      };
    },
  }) as StageDefinition;
}
