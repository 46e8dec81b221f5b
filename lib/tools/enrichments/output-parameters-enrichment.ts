import { firstValueFrom, forkJoin, map, of } from 'rxjs';
import type { Engine } from '../../model/engine.ts';
import { extractJson } from '../../text/extract-json.ts';
import { ToolRegistry } from '../tool-registry.ts';
import type { Tool } from '../tool.ts';
import type { EnrichmentContext, ToolEnrichment } from './tool-enrichment.ts';

const instructions = [
  'You read the definition of a software tool (OpenAI function-calling format) and describe what it returns when it works.',
  'Answer with one JSON Schema object: `"type": "object"` and a `"properties"` mapping of the few most useful result fields,',
  'each with a standard JSON type (string, integer, number, boolean, array, object) and a short "description".',
  'Leave out "required" and any field that reports an error. Answer with the JSON object only.',
].join('\n');

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The output schema in a model's answer, read leniently as DGT does: an object schema (`properties` or
 * `type: object`); else such a schema one level down (`{"output_parameters": {...}}`); else a bare mapping of
 * property schemas, wrapped. Undefined when the answer holds none.
 *
 * ## Example
 * ```ts
 * outputSchemaOf(['{"temperature": {"type": "number"}}']); // { type: 'object', properties: { temperature: { type: 'number' } } }
 * ```
 */
export function outputSchemaOf(texts: readonly string[]): Record<string, unknown> | undefined {
  for (const text of texts) {
    const extracted = extractJson(text);
    if (!extracted.success || !isObject(extracted.data)) continue;
    const schema = extracted.data;
    if ('properties' in schema || schema['type'] === 'object') return { type: 'object', ...schema };
    const nested = Object.values(schema).find((value) => isObject(value) && ('properties' in value || value['type'] === 'object'));
    if (isObject(nested)) return { type: 'object', ...nested };
    if (Object.keys(schema).length > 0 && Object.values(schema).every(isObject)) return { type: 'object', properties: schema };
  }
  return undefined;
}

/**
 * DGT's `output_parameters` enrichment: asks an LM (`lm_config`) for the output schema of every tool that has none
 * (one JSON-mode call each; tools with a schema cost nothing) and gives back a registry whose tools carry them. An
 * answer with no schema leaves that tool as it was. Its usage is in the engine's stats.
 *
 * ## Example
 * ```yaml
 * enrichments:
 *   - type: output_parameters
 *     lm_config: { type: openai, model_id_or_path: openai/gpt-oss-20b, base_url: http://localhost:8000/v1/ }
 * ```
 */
export function outputParametersEnrichment(config: { readonly lm_config: unknown }, context: EnrichmentContext): ToolEnrichment {
  const engine: Engine = context.lmEngine(config.lm_config, `${context.field}.lm_config`);
  return {
    type: 'output_parameters',
    dependsOn: [],
    artifactKey: undefined,
    async enrich(registry: ToolRegistry) {
      const tools = registry.all();
      if (tools.every((tool) => Object.keys(tool.outputParameters).length > 0)) return registry;
      const asked = tools.map((tool) => {
        if (Object.keys(tool.outputParameters).length > 0) return of(tool);
        const definition = JSON.stringify({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } }, null, 2);
        return engine
          .call({ method: 'chat', jsonMode: true, messages: [{ role: 'system', content: instructions }, { role: 'user', content: `Tool definition:\n${definition}\n\nWrite the JSON Schema of its output.` }] })
          .pipe(map((answer): Tool => ({ ...tool, outputParameters: outputSchemaOf(answer.texts) ?? {} })));
      });
      const enriched = await firstValueFrom(forkJoin(asked));
      const next = new ToolRegistry(enriched);
      for (const [key, value] of registry.artifacts) next.artifacts.set(key, value);
      return next;
    },
  };
}
