import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { lmToolOutput } from '../../lib/tools/engines/lm-tool-output.ts';
import { schemaFingerprint } from '../../lib/tools/schema-fingerprint.ts';
import { toolCallDict, toolResultDict } from '../../lib/tools/tool-dict.ts';
import { ToolRegistry } from '../../lib/tools/tool-registry.ts';
import type { Tool } from '../../lib/tools/tool.ts';

const tool = (properties: Record<string, unknown>, required: string[] = [], outputParameters: Record<string, unknown> = {}): Tool => ({
  name: 'search',
  namespace: 'web',
  description: '',
  parameters: { type: 'object', properties, required },
  outputParameters,
  metadata: {},
});

describe('ToolRegistry', () => {
  it('keeps overloads, resolves a call by schema then by argument overlap, and refuses duplicates', () => {
    const byQuery = tool({ query: { type: 'string' } }, ['query']);
    const byId = tool({ id: { type: 'integer' } }, ['id']);
    const registry = new ToolRegistry([byQuery, byId, { ...byQuery, namespace: 'other' }]);
    expect(registry.size).toBe(3);
    expect(registry.get('web::search')).toHaveLength(2);
    expect(registry.match({ name: 'search', namespace: 'web', arguments: { id: 3 } })).toBe(byId);
    expect(registry.match({ name: 'search', namespace: 'web', arguments: { query: 'x' } })).toBe(byQuery);
    expect(registry.match({ name: 'search', namespace: 'web', arguments: { id: 'not a number' } })).toBe(byId);
    expect(registry.match({ name: 'search', namespace: 'web', arguments: {} }, ['nowhere'])).toBeUndefined();
    expect(registry.byFingerprint('web::search', schemaFingerprint(byId.parameters))).toBe(byId);
    expect(registry.namespaces()).toEqual(['web', 'other']);
    expect(() => new ToolRegistry([byQuery, { ...byQuery }], { file: 't.yaml', field: 'tools.registry' })).toThrow(ConfigError);
  });

  it('fingerprints schemas independently of key order, as canonical JSON', () => {
    expect(schemaFingerprint({ b: 1, a: [{ d: 'é', c: null }] })).toBe(schemaFingerprint({ a: [{ c: null, d: 'é' }], b: 1 }));
    expect(schemaFingerprint({})).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });

  it('writes calls and results in DGT field names', () => {
    expect(toolCallDict({ name: 'search', namespace: 'web', arguments: { q: 1 }, callId: '$1' })).toEqual({ name: 'search', arguments: { q: 1 }, id: '$1' });
    expect(toolResultDict({ callId: '$1', name: 'search', error: 'boom' })).toEqual({ id: '$1', name: 'search', result: null, error: 'boom' });
  });
});

describe('lmToolOutput', () => {
  const withSchema = tool({}, [], { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] });
  it.each([
    [['```json\n{"total": 3, "note": "dropped"}\n```'], { result: { total: 3 } }],
    [['{"result": {"total": 5}}'], { result: { total: 5 } }],
    [['{"total": "three"}'], { error: 'failed to generate valid tool result' }],
    [['garbage', '{"total": 1}'], { result: { total: 1 } }],
    [['{"error": {"code": 404}}'], { error: '{"code":404}' }],
    [[''], { error: 'failed to generate valid tool result' }],
  ])('reads %j', (texts, expected) => {
    expect(lmToolOutput(texts, withSchema)).toEqual(expected);
  });
  it('returns the object as it is when the tool has no output schema', () => {
    expect(lmToolOutput(['{"anything": [1], "empty": ""}'], tool({}))).toEqual({ result: { anything: [1], empty: '' } });
  });
});
