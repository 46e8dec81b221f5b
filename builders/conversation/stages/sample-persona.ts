import { of } from 'rxjs';
import { z } from 'zod';
import { appendStep, makeStep } from '../../../lib/conversation/conversation.ts';
import { defineStage } from '../../../lib/conversation/stage.ts';
import { readPersonas } from './read-personas.ts';
import { renderPersona } from './render-persona.ts';

/**
 * DGT's `sample/persona` (initialization, no LM call): reads the personas of `persona_store.data_path` once, when the
 * task is loaded, and appends to each conversation a `persona` step (target `user`) of one drawn at random, its
 * `content` the rendered text the user stage shows the model.
 *
 * ## Example
 * ```yaml
 * initialization_stages:
 *   - name: sample/persona
 *     persona_store:
 *       type: default
 *       data_path: personas.jsonl   # in the task file's folder, or DGT's data folder (${DGT_DATA_DIR}/...)
 * ```
 * @throws {ConfigError} naming the task file and `persona_store.data_path` for a missing, malformed or empty file
 */
export const samplePersona = defineStage({
  name: 'sample/persona',
  config: { persona_store: z.looseObject({ type: z.string().default('default'), data_path: z.string().min(1) }) },
  create: ({ name, config, task, field, configError }) => {
    const path = task.resolvePath(config.persona_store.data_path, `${field}.persona_store.data_path`);
    const personas = readPersonas(path, (message) => configError(message, 'persona_store.data_path'));
    return (conversation, context) => {
      const persona = personas[Math.floor(context.random() * personas.length)]!;
      const step = makeStep('persona', { content: renderPersona(persona), stage_name: name, target: 'user', ...persona, goals: [...persona.goals] });
      return of(appendStep(conversation, step));
    };
  },
});
