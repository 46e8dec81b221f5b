import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { ConfigError } from '../errors/config-error.ts';
import { schemaFingerprint } from './schema-fingerprint.ts';
import { type Tool, type ToolCall, qualifiedName } from './tool.ts';

const require = createRequire(import.meta.url);

/** Where the registry's tools were configured, for errors. */
export interface RegistryPlace {
  readonly file: string | undefined;
  readonly field: string;
}

/**
 * DGT's `ToolRegistry`: tools of one or more namespaces, indexed by qualified name, with overloads (one name, other
 * input schemas) allowed and duplicates (one name, one schema, one namespace) refused. `artifacts` holds what
 * enrichments compute (`embeddings`, `neighbors`, `dataflow`) for samplers to read.
 *
 * ## Example
 * ```ts
 * const registry = new ToolRegistry([weather, forecast]);
 * registry.get('weather_api::get_weather'); // [weather]
 * registry.match({ name: 'get_weather', namespace: 'weather_api', arguments: { city: 'Oslo' } }); // weather
 * ```
 * @throws {ConfigError} on a duplicate tool, naming it
 */
export class ToolRegistry {
  /** Enrichment outputs by key; samplers check for the keys they need. */
  readonly artifacts = new Map<string, unknown>();
  private readonly byQualifiedName = new Map<string, Tool[]>();
  private readonly byKey = new Map<string, Tool>();
  private readonly fingerprints = new WeakMap<Tool, string>();
  private readonly validators = new WeakMap<Tool, ValidateFunction | null>();

  constructor(tools: readonly Tool[] = [], place?: RegistryPlace) {
    for (const tool of tools) {
      const name = qualifiedName(tool);
      const fingerprint = schemaFingerprint(tool.parameters);
      const key = `${name}(${fingerprint})`;
      if (this.byKey.has(key)) {
        throw new ConfigError(`duplicate tool \`${name}\`: registered twice with the same input schema; remove one of the definitions`, { file: place?.file, field: place?.field });
      }
      this.byKey.set(key, tool);
      this.fingerprints.set(tool, fingerprint);
      const group = this.byQualifiedName.get(name);
      if (group) group.push(tool);
      else this.byQualifiedName.set(name, [tool]);
    }
  }

  /** Every tool, overloads included, in load order. */
  all(): Tool[] {
    return [...this.byQualifiedName.values()].flat();
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The tools (overloads) with this qualified name; empty when none. */
  get(name: string): Tool[] {
    return [...(this.byQualifiedName.get(name) ?? [])];
  }

  /** The one tool with this qualified name and input-schema fingerprint, or undefined. */
  byFingerprint(name: string, fingerprint: string): Tool | undefined {
    return this.byKey.get(`${name}(${fingerprint})`);
  }

  /** The fingerprint of a registered tool's input schema (computed once). */
  fingerprintOf(tool: Tool): string {
    return this.fingerprints.get(tool) ?? schemaFingerprint(tool.parameters);
  }

  /**
   * The tool a call means: the only one of its qualified name, or among overloads the ones whose `parameters` the
   * arguments satisfy (all, when none does), the one sharing most argument names. Undefined when none is registered
   * (in `namespaces`, when given).
   */
  match(call: ToolCall, namespaces?: readonly string[]): Tool | undefined {
    let candidates = this.get(qualifiedName(call));
    if (namespaces) candidates = candidates.filter((tool) => namespaces.includes(tool.namespace));
    if (candidates.length <= 1) return candidates[0];
    const valid = candidates.filter((tool) => this.accepts(tool, call.arguments));
    const pool = valid.length > 0 ? valid : candidates;
    const names = new Set(Object.keys(call.arguments));
    const overlap = (tool: Tool): number => Object.keys((tool.parameters['properties'] as object | undefined) ?? {}).filter((name) => names.has(name)).length;
    return pool.reduce((best, tool) => (overlap(tool) > overlap(best) ? tool : best));
  }

  /** The distinct namespaces, in load order. */
  namespaces(): string[] {
    return [...new Set(this.all().map((tool) => tool.namespace))];
  }

  /** Sorted distinct unqualified names, of the given namespaces when set. */
  toolNames(namespaces?: readonly string[]): string[] {
    return [...new Set(this.all().filter((tool) => !namespaces || namespaces.includes(tool.namespace)).map((tool) => tool.name))].sort();
  }

  private accepts(tool: Tool, value: unknown): boolean {
    let validate = this.validators.get(tool);
    if (validate === undefined) {
      try {
        const { Ajv } = require('ajv') as typeof import('ajv');
        validate = new Ajv({ strict: false, validateFormats: false, logger: false }).compile(tool.parameters);
      } catch {
        validate = null;
      }
      this.validators.set(tool, validate);
    }
    return validate === null ? false : validate(value) === true;
  }
}
