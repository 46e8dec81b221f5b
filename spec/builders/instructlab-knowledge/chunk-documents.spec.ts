import { describe, expect, test } from 'vitest';
import { chunkDocuments, documentTexts } from '../../../builders/instructlab-knowledge/chunk-documents.ts';

const words = (count: number, prefix = 'w') => Array.from({ length: count }, (_, index) => `${prefix}${index}`).join(' ');

describe('documentTexts', () => {
  test('flattens texts, records with content and nested lists, in order', () => {
    expect(documentTexts(['a', { content: 'b', title: 't' }, [['c']]])).toEqual(['a', 'b', 'c']);
  });
});

describe('chunkDocuments', () => {
  test('below 1 keeps each text whole, with the domain and no length', () => {
    expect(chunkDocuments(['one two', 'three'], { chunkSize: -1, domain: 'd' })).toEqual([
      { content: 'one two', domain: 'd' },
      { content: 'three', domain: 'd' },
    ]);
  });

  test('splits by words; a chunk of 300 words or fewer joins the one before, as in DGT', () => {
    const text = `${words(400, 'a')} ${words(400, 'b')} ${words(100, 'c')}`;
    const chunks = chunkDocuments([text], { chunkSize: 400, domain: 'd' });
    expect(chunks.map((chunk) => chunk.document_len)).toEqual([400, 500]);
    expect(chunks[1]!.content.startsWith('b0 ')).toBe(true);
    expect(chunks[1]!.content.endsWith(' c99')).toBe(true);
    expect(chunkDocuments(['x y'], { chunkSize: 5, domain: 'd' })).toEqual([{ content: 'x y', domain: 'd', document_len: 2 }]);
  });

  test('drops a trailing references section, but keeps a text that is only that', () => {
    const [chunk] = chunkDocuments(['Body text.\n\n## References\n[1] A book.'], { chunkSize: -1, domain: 'd' });
    expect(chunk!.content).toBe('Body text.\n\n');
    expect(chunkDocuments(['References\n[1] A book.'], { chunkSize: -1, domain: 'd' })[0]!.content).toBe('References\n[1] A book.');
    expect(chunkDocuments(['References to the Moon abound.'], { chunkSize: -1, domain: 'd' })[0]!.content).toBe('References to the Moon abound.');
  });
});
