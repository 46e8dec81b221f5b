import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createSearchEngine } from '../../lib/search/create-search-engine.ts';
import { tempDir } from '../helpers/temp-dir.ts';

function taskFolder(): string {
  const dir = join(tempDir(), 'task');
  mkdirSync(dir);
  writeFileSync(join(dir, 'documents.jsonl'), '{"id": "a", "text": "Library cards are free."}\n{"id": "b", "text": "Recycling is collected on Mondays."}\n');
  writeFileSync(join(dir, '..', 'outside.jsonl'), '{"id": "x", "text": "Outside."}\n');
  return dir;
}

const at = (directory: string) => ({ file: join(directory, 'task.yaml'), field: 'tools.engines.kb', directory });

describe('createSearchEngine', () => {
  test('builds search/file and search/in_memory engines over a corpus in the task folder, with their defaults', () => {
    const dir = taskFolder();
    const file = createSearchEngine({ type: 'search/file', path: 'documents.jsonl' }, at(dir));
    expect(file).toMatchObject({ type: 'search/file', limit: 5 });
    expect(file.corpus().map((document) => document.id)).toEqual(['a', 'b']);
    const ranked = createSearchEngine({ type: 'search/in_memory', path: join(dir, 'documents.jsonl'), limit: 1, embedding_model: 'sentence-transformers/all-minilm-l6-v2', relevance_threshold: 0.05 }, at(dir));
    expect(ranked.search({ query: 'when is recycling collected' }, Math.random).result).toEqual([
      { id: 'b', text: 'Recycling is collected on Mondays.', score: expect.any(Number) },
    ]);
  });

  test('refuses live web search, Elasticsearch, unknown types, bad fields and corpora outside the task folder, naming file and field', () => {
    const dir = taskFolder();
    const fails = (config: unknown, field: string, message: string) =>
      expect(() => createSearchEngine(config, at(dir))).toThrow(expect.objectContaining({ name: 'ConfigError', file: join(dir, 'task.yaml'), field, message: expect.stringContaining(message) }));
    fails({ type: 'search/web/duckduckgo' }, 'tools.engines.kb.type', 'rxdgt does not do live web search');
    fails({ type: 'search/web/google_serper', api_key: 'k' }, 'tools.engines.kb.type', 'is a live web search');
    fails({ type: 'search/elasticsearch', path: 'x' }, 'tools.engines.kb.type', 'rxdgt has no Elasticsearch engine');
    fails({ type: 'search/bm25' }, 'tools.engines.kb.type', 'unknown search engine type "search/bm25" (known: search/file, search/in_memory)');
    fails({ path: 'documents.jsonl' }, 'tools.engines.kb.type', 'unknown search engine type undefined');
    fails({ type: 'search/file', path: 'documents.jsonl', format: 'csv' }, 'tools.engines.kb.format', '');
    fails({ type: 'search/file', path: 'documents.jsonl', embedding_model: 'm' }, 'tools.engines.kb.embedding_model', '');
    fails({ type: 'search/file', path: 'documents.jsonl', limit: 0 }, 'tools.engines.kb.limit', '');
    fails({ type: 'search/file', path: 'documents.jsonl', error_categories: [{ type: 'network_error', probability: 2 }] }, 'tools.engines.kb.error_categories.0.probability', '');
    fails({ type: 'search/file', path: '../outside.jsonl' }, 'tools.engines.kb.path', 'lies outside the folder');
    fails({ type: 'search/file', path: join(dir, '..', 'outside.jsonl') }, 'tools.engines.kb.path', 'lies outside the folder');
    fails({ type: 'search/in_memory', path: 'nope.jsonl' }, 'tools.engines.kb.path', 'cannot read the corpus file');
  });
});
