import { describe, expect, test } from 'vitest';
import { fileSearchEngine } from '../../lib/search/file-search-engine.ts';
import { inMemorySearchEngine } from '../../lib/search/in-memory-search-engine.ts';
import { randomDocumentSampler } from '../../lib/search/random-document-sampler.ts';
import { seededRandom } from '../../lib/random.ts';
import { corpus } from './fixtures.ts';

const engine = fileSearchEngine(corpus, { limit: 5, errorCategories: [] });
const domainOf = (document: { metadata?: Readonly<Record<string, unknown>> }) => document.metadata?.['domain'] ?? '';

describe('randomDocumentSampler', () => {
  test('with group_by, every sample comes from one group (documents without the field form the "" group)', () => {
    const sampler = randomDocumentSampler(engine, { groupBy: 'domain' });
    const random = seededRandom(4);
    const seen = new Set<unknown>();
    for (let draw = 0; draw < 60; draw += 1) {
      const documents = sampler.sample(2, random);
      const domains = new Set(documents.map(domainOf));
      expect(domains.size).toBe(1);
      const [domain] = domains;
      expect(documents).toHaveLength(domain === '' ? 1 : 2);
      seen.add(domain);
    }
    expect(seen).toEqual(new Set(['library', 'recycling', '']));
  });

  test('dotted paths reach into metadata, then into id and text', () => {
    const bySource = randomDocumentSampler(engine, { groupBy: 'source.kind' });
    const kinds = new Set(Array.from({ length: 40 }, (_, seed) => JSON.stringify(bySource.sample(5, seededRandom(seed)).map((document) => document.id).sort())));
    expect(kinds).toEqual(new Set([JSON.stringify(['lib-1']), JSON.stringify(['lib-2']), JSON.stringify(['lib-3', 'park-1', 'rec-1', 'rec-2'])]));
    const byId = randomDocumentSampler(engine, { groupBy: 'id' });
    expect(byId.sample(3, seededRandom(1))).toHaveLength(1);
  });

  test('uniform draws each group equally often; proportional by its size', () => {
    const share = (strategy: 'uniform' | 'proportional') => {
      const sampler = randomDocumentSampler(engine, { groupBy: 'domain', strategy });
      const random = seededRandom(21);
      const draws = Array.from({ length: 3000 }, () => domainOf(sampler.sample(1, random)[0]!));
      return draws.filter((domain) => domain === 'library').length / draws.length;
    };
    expect(share('uniform')).toBeCloseTo(1 / 3, 1);
    expect(share('proportional')).toBeCloseTo(3 / 6, 1);
  });

  test('include and exclude filters narrow one draw; both at once, or unknown groups, are refused', () => {
    const sampler = randomDocumentSampler(engine, { groupBy: 'domain' });
    for (let seed = 0; seed < 20; seed += 1) {
      expect(sampler.sample(2, seededRandom(seed), { includeGroups: ['recycling'] }).map(domainOf)).toEqual(['recycling', 'recycling']);
      expect(sampler.sample(3, seededRandom(seed), { excludeGroups: ['library', ''] }).map(domainOf)).toEqual(['recycling', 'recycling']);
    }
    expect(() => sampler.sample(1, Math.random, { includeGroups: ['library'], excludeGroups: ['recycling'] })).toThrow('cannot both be given');
    expect(() => sampler.sample(1, Math.random, { includeGroups: ['parks'] })).toThrow('unknown groups ["parks"]');
    expect(() => sampler.sample(1, Math.random, { excludeGroups: ['library', 'recycling', ''] })).toThrow('no group is left');
  });

  test("without group_by it asks the engine with no query, re-reading documents as DGT does (their metadata nested)", () => {
    const sampler = randomDocumentSampler(engine);
    const documents = sampler.sample(6, seededRandom(2));
    expect(documents).toHaveLength(6);
    const library = documents.find((document) => document.id === 'lib-3')!;
    expect(library).toEqual({ id: 'lib-3', text: corpus[2]!.text, metadata: { metadata: { domain: 'library' } } });
    expect(documents.find((document) => document.id === 'park-1')).toEqual({ id: 'park-1', text: corpus[5]!.text });
    // A ranked engine returns nothing without a query; an engine error gives no documents.
    expect(randomDocumentSampler(inMemorySearchEngine(corpus, { limit: 3, errorCategories: [] })).sample(3, Math.random)).toEqual([]);
    const failing = fileSearchEngine(corpus, { limit: 3, errorCategories: [{ type: 'unparseable_result', probability: 1 }] });
    expect(randomDocumentSampler(failing).sample(3, Math.random)).toEqual([]);
  });
});
