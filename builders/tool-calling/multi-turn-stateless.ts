import { type Observable, defer, finalize, from, mergeMap, tap } from 'rxjs';
import type { BuilderDefinition } from '../../lib/builder-registry.ts';
import { conversationBuilder } from '../../lib/conversation/conversation-builder.ts';
import { conversationBuilderFields } from '../../lib/conversation/conversation-builder-fields.ts';
import { stageRegistry } from '../../lib/conversation/stage-registry.ts';
import { packagePath } from '../../lib/package-path.ts';
import type { DataPoint, Outcome } from '../../lib/record.ts';
import type { GenerationInput } from '../../lib/run/task-inputs.ts';
import { withConcurrency } from '../../lib/run/task-options.ts';
import { buildTools } from '../../lib/tools/build-tools.ts';
import { coreConversationStages } from '../conversation/stages/core-stages.ts';
import { checkToolsConfig } from './check-tools-config.ts';
import { statelessOptions, statelessTaskFields } from './stateless-options.ts';
import { toolCallingStages } from './stages/tool-calling-stages.ts';
import { createTerminationStages, terminate } from './termination-stages.ts';
import { ToolsHandle } from './tools-handle.ts';

/**
 * DGT's `tool_calling/multi_turn/stateless`: multi-turn conversations in which a user asks an assistant for work
 * that takes tool calls, the calls run on the task's tools (`tools:` block: files, inline, REST, MCP; engines `lm`,
 * `rest`, `mcp`). Each conversation samples its tools (`scenario_generator`), then turn after turn a `planner`
 * writes the calls, a `user` writes the request behind them, a `verifier` back-translates the request into calls
 * (left out by the `no_bt` ablation), `execute` runs them and `summarize` answers; finished conversations go
 * through the `termination_stages` (`filter`, `error_hint`). `separate_context: false` (the `no_impl` ablation)
 * shows the user every call; `has_nested` chains calls through outputs (`$1.id`). Records are DGT's conversations:
 * `tc/sampler` (tools, date), `tc/plan`, `tc/user`, `tool_call`/`tool_result` steps and the `assistant` summary;
 * `tool_calling/formatters/multi_turn` makes training examples of them.
 *
 * ## Example
 * ```yaml
 * task_name: tool_calling/multi_turn/stateless/demo
 * data_builder: tool_calling/multi_turn/stateless
 * max_turns: 2
 * has_nested: true
 * tools:
 *   registry: [{ type: file, path: tools.yaml, namespace: demo, engine: simulator }]
 *   engines: { simulator: { type: lm, lm_config: { type: openai, model_id_or_path: gpt-4o-mini } } }
 * initialization_stages:
 *   - { name: sample/persona, persona_store: { type: default, data_path: personas.jsonl } }
 *   - { name: tool_calling/multi_turn/stages/scenario_generator, sampler_mix: [{ sampler: { type: tc/random, k: 4 } }] }
 * iteration_stages:
 *   - { name: tool_calling/multi_turn/stages/planner }
 *   - { name: tool_calling/multi_turn/stages/user }
 *   - { name: tool_calling/multi_turn/stages/verifier }
 *   - { name: tool_calling/multi_turn/stages/execute }
 *   - { name: tool_calling/multi_turn/stages/summarize }
 * termination_stages:
 *   - { name: tool_calling/multi_turn/stages/filter }
 *   - { name: tool_calling/multi_turn/stages/error_hint }
 * ```
 * @throws {ConfigError} when the task is loaded, naming the task file and field: a bad plan setting, no `tools:`
 *   block or one that does not parse, an unknown loader, engine, sampler or stage; when the run starts (exit 2 as
 *   well): a tool file that cannot be read, a sampler setting the registry cannot serve
 */
export const toolCallingMultiTurnStateless: BuilderDefinition = {
  name: 'tool_calling/multi_turn/stateless',
  kind: 'generation',
  seedless: true,
  yamlPath: packagePath('builders', 'tool-calling', 'multi_turn_tool_calling.yaml'),
  taskFields: statelessTaskFields,
  builderFields: conversationBuilderFields,
  create: (blocks, task) => {
    const options = statelessOptions(task);
    const toolsField = task.fieldPrefix ? `${task.fieldPrefix}.tools` : 'tools';
    checkToolsConfig(task.spec['tools'], { file: task.file, field: toolsField });
    const handle = new ToolsHandle();
    const registry = stageRegistry([...coreConversationStages, ...toolCallingStages({ handle, options })]);
    const conversations = conversationBuilder({ registry, blocks, task });
    const turns = { maxTurns: Number(task.spec['max_turns'] ?? 10), minTurns: Number(task.spec['min_turns'] ?? 1) };
    const finish = terminate(createTerminationStages(registry, blocks, task, options.terminationStages, turns));
    const file = task.file ?? 'the task';
    // The tool simulator's LM gets the run's cache, prices and admission, as the builder's own blocks do.
    const lmEngine = (config: unknown, field: string) => blocks.engineFrom(config, { file, field });

    const builder = (source: Observable<Outcome<GenerationInput>>): Observable<Outcome<DataPoint>> =>
      defer(() => {
        // Closed however the run ends, even while the tools (an MCP server starting) are still being built.
        const building = buildTools(task.spec['tools'], { file: task.file, field: toolsField, directory: task.directory, resolvePath: task.resolvePath, lmEngine });
        return from(building).pipe(
          mergeMap((built) => {
            handle.ready(built);
            return source.pipe(
              conversations,
              finish,
              tap((outcome) => {
                const id = (outcome.record as { conversation_id?: unknown } | undefined)?.conversation_id;
                if (typeof id === 'string') built.engine.teardown(id);
              }),
            );
          }),
          finalize(() => void building.then((built) => built.close(), () => undefined)),
        );
      });
    return withConcurrency(builder, conversations.concurrency ?? 8);
  },
};
