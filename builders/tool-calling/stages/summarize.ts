import { map, of } from 'rxjs';
import { z } from 'zod';
import { isObject } from '../../../lib/blocks/utilities/tool-call-grounding.ts';
import { appendStep, makeStep } from '../../../lib/conversation/conversation.ts';
import { defineStage, dropConversation } from '../../../lib/conversation/stage.ts';
import { askChoices } from '../ask-choices.ts';
import { toolInfoOf } from '../conversation-steps.ts';
import { promptPair } from '../prompt-pair.ts';
import { taggedText } from '../tool-call-text.ts';

/**
 * DGT's `tool_calling/multi_turn/stages/summarize`: asks the model (one answer, temperature 0.001) to tell the user
 * what the turn's calls gave (`prompts/summarize/*.txt`: the tools, the latest request, the calls and results
 * since it), in `<summary>...</summary>`, and appends it as an `assistant` step. An empty summary or one with a
 * question drops the conversation.
 */
export const summarizeStage = () =>
  defineStage({
    name: 'tool_calling/multi_turn/stages/summarize',
    config: { generator: z.string().optional() },
    create: ({ name, blocks, engine, configError }) => {
      const model = engine('generator');
      const prompt = promptPair(blocks.directory, 'summarize', { configError });
      return (conversation, context) => {
        const info = toolInfoOf(conversation.steps);
        const userAt = conversation.steps.map((step) => step.role).lastIndexOf('tc/user');
        if (!info || userAt < 0) return of(dropConversation('no_request', 'the conversation has no `tc/user` step to summarize the calls of'));
        const steps = conversation.steps
          .slice(userAt + 1)
          .filter((step) => step.role === 'tool_call' || step.role === 'tool_result')
          .map((step) => ({ role: 'assistant', content: step.role === 'tool_result' && isObject(step.content) ? (step.content['result'] ?? null) : step.content }));
        const variables = {
          tools: JSON.stringify(info.tools, null, 4),
          request: String(conversation.steps[userAt]!.content),
          steps: JSON.stringify(steps, null, 4),
        };
        return askChoices(model, { method: 'chat', messages: prompt(variables), n: 1, temperature: 0.001 }, context).pipe(
          map((choices) => {
            const summary = taggedText(choices[0]?.text ?? '', 'summary');
            if (!summary) return dropConversation('summary_unusable', 'the summary is empty');
            if (summary.includes('?')) return dropConversation('summary_unusable', 'the summary asks a question');
            return appendStep(conversation, makeStep('assistant', { content: summary, stage_name: name }));
          }),
        );
      };
    },
  });
