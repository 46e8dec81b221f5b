import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/errors/config-error.ts';
import { seededRandom } from '../../../lib/random.ts';
import type { DataflowArtifact, DataflowEdge } from '../../../lib/tools/enrichments/graph-artifacts.ts';
import { createToolSampler } from '../../../lib/tools/samplers/create-tool-sampler.ts';
import type { DagToolSampler } from '../../../lib/tools/samplers/dag-tool-sampler.ts';
import { SamplingError } from '../../../lib/tools/samplers/sampling-error.ts';
import { ToolRegistry } from '../../../lib/tools/tool-registry.ts';
import { type Tool, qualifiedName } from '../../../lib/tools/tool.ts';

const tool = (name: string, namespace = 'ns'): Tool => ({ name, namespace, description: `${name} tool`, parameters: { type: 'object', properties: { [`${name}_in`]: { type: 'string' } } }, outputParameters: {}, metadata: {} });
const place = { file: 'task.yaml', field: 'sampler' };

/** a→b, a→c, b→d, c→d, d→e (one namespace `ns`), plus x, y in `other` with no edges. */
function graphRegistry(): ToolRegistry {
  const tools = ['a', 'b', 'c', 'd', 'e'].map((name) => tool(name)).concat([tool('x', 'other'), tool('y', 'other')]);
  const registry = new ToolRegistry(tools);
  const links: [string, string, number][] = [['a', 'b', 0.9], ['a', 'c', 0.8], ['b', 'd', 0.7], ['c', 'd', 0.6], ['d', 'e', 0.5]];
  const out: Record<string, Record<string, Record<string, DataflowEdge[]>>> = {};
  const into: Record<string, Record<string, Record<string, DataflowEdge[]>>> = {};
  const byName = new Map(tools.map((entry) => [entry.name, entry]));
  for (const [from, to, score] of links) {
    const [source, target] = [byName.get(from)!, byName.get(to)!];
    const edge = (other: Tool): DataflowEdge => ({ name: other.name, fingerprint: registry.fingerprintOf(other), score, pairs: [{ output: 'out', input: 'in', score }] });
    (((out[qualifiedName(source)] ??= {})[registry.fingerprintOf(source)] ??= {})['ns'] ??= []).push(edge(target));
    (((into[qualifiedName(target)] ??= {})[registry.fingerprintOf(target)] ??= {})['ns'] ??= []).push(edge(source));
  }
  registry.artifacts.set('dataflow', { out, in: into } satisfies DataflowArtifact);
  return registry;
}

const names = (tools: readonly Tool[]): string[] => tools.map((entry) => entry.name);

describe('createToolSampler', () => {
  it('tc/random repeats its draw for a seed, respects k, namespace and weights, and never repeats a tool', () => {
    const registry = graphRegistry();
    const sampler = createToolSampler({ type: 'tc/random', k: 4 }, registry, place);
    expect(sampler.name).toBe('tc/random');
    const first = names(sampler.sample(seededRandom(11)));
    expect(names(sampler.sample(seededRandom(11)))).toEqual(first);
    expect(first).toHaveLength(4);
    expect(new Set(first).size).toBe(4);
    const draws = Array.from({ length: 20 }, (_, seed) => names(sampler.sample(seededRandom(seed))).join());
    expect(new Set(draws).size).toBeGreaterThan(1);
    expect(sampler.sample(seededRandom(1), { namespace: 'other', k: 5 }).every((entry) => entry.namespace === 'other')).toBe(true);
    expect(sampler.sample(seededRandom(1), { k: 50 })).toHaveLength(7);
    // All weight on `other`: its two tools first, the rest overflows to `ns`.
    const weighted = sampler.sample(seededRandom(3), { k: 3, namespace_weights: { other: 1, ns: 0 } });
    expect(weighted.filter((entry) => entry.namespace === 'other')).toHaveLength(2);
  });

  it('tc/chain walks dataflow edges; a dead end is a SamplingError with the chain so far', () => {
    const sampler = createToolSampler({ type: 'tc/chain', k: 3, namespace: 'ns' }, graphRegistry(), place);
    const links = new Set(['a>b', 'a>c', 'b>d', 'c>d', 'd>e']);
    for (let seed = 0; seed < 30; seed += 1) {
      try {
        const chain = names(sampler.sample(seededRandom(seed)));
        expect(chain).toHaveLength(3);
        expect(links.has(`${chain[0]}>${chain[1]}`) && links.has(`${chain[1]}>${chain[2]}`)).toBe(true);
        expect(names(sampler.sample(seededRandom(seed)))).toEqual(chain);
      } catch (error) {
        expect(SamplingError.isInstance(error)).toBe(true);
        expect((error as SamplingError).tools.length).toBeGreaterThan(0);
        expect((error as SamplingError).requested).toBe(3);
      }
    }
    expect(() => sampler.sample(seededRandom(1), { k: 6 })).toThrow(/dead end|already in the chain/);
  });

  it('tc/fan_out puts the seed first and tc/fan_in the sink last', () => {
    const registry = graphRegistry();
    expect(names(createToolSampler({ type: 'tc/fan_out', k: 3 }, registry, place).sample(seededRandom(5))).slice(0, 1)).toEqual(['a']);
    expect(new Set(names(createToolSampler({ type: 'tc/fan_out', k: 3 }, registry, place).sample(seededRandom(5))))).toEqual(new Set(['a', 'b', 'c']));
    const fanIn = names(createToolSampler({ type: 'tc/fan_in', k: 3 }, registry, place).sample(seededRandom(9)));
    expect(fanIn[2]).toBe('d');
    expect(new Set(fanIn)).toEqual(new Set(['b', 'c', 'd']));
    expect(() => createToolSampler({ type: 'tc/fan_out', k: 4 }, registry, place).sample(seededRandom(1))).toThrow(SamplingError);
  });

  it('tc/dag returns a connected DAG in topological order with depths and edges', () => {
    const sampler = createToolSampler({ type: 'tc/dag', k: 4, namespace: 'ns' }, graphRegistry(), place) as DagToolSampler;
    let built = 0;
    for (let seed = 0; seed < 30; seed += 1) {
      try {
        const dag = sampler.sampleDag(seededRandom(seed));
        built += 1;
        expect(dag.tools).toHaveLength(4);
        expect(dag.depths[0]).toBe(0);
        expect([...dag.depths]).toEqual([...dag.depths].sort((left, right) => left - right));
        for (const edge of dag.edges) expect(dag.depths[edge.to]!).toBeGreaterThan(dag.depths[edge.from]!);
        expect(dag.edges.length).toBeGreaterThanOrEqual(3);
        expect(names(sampler.sample(seededRandom(seed)))).toEqual(names(dag.tools));
      } catch (error) {
        expect(SamplingError.isInstance(error)).toBe(true);
      }
    }
    expect(built).toBeGreaterThan(0);
    const diamond = sampler.sampleDag(seededRandom(0), { k: 4 });
    expect(diamond.tools.length).toBe(4);
  });

  it('is a ConfigError for an unknown type, a bad field, or an artifact no enrichment made', () => {
    const registry = new ToolRegistry([tool('a')]);
    expect(() => createToolSampler({ type: 'tc/magic', k: 2 }, registry, place)).toThrow(/unknown tool sampler "tc\/magic": expected one of tc\/random, tc\/chain/);
    expect(() => createToolSampler({ type: 'tc/random', k: 0 }, registry, place)).toThrow(ConfigError);
    const missing = (() => {
      try {
        createToolSampler({ type: 'tc/neighbor', k: 2 }, registry, place);
      } catch (error) {
        return error as ConfigError;
      }
      return undefined;
    })();
    expect(missing?.field).toBe('sampler.type');
    expect(missing?.message).toMatch(/needs the `neighbors` artifact: add `- type: neighbors` to `tools.enrichments`/);
  });
});
