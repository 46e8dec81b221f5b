import { describe, expect, it } from 'vitest';
import { defaultLeakScoreSettings, leakScore } from '../../../lib/blocks/utilities/data-leak-score.ts';

const foxSeed = 'The quick brown fox jumps over the smart little dog and runs into the dense forest without looking back.';
const truckSeed = 'The delivery truck was late. The small and fragile package was sent yesterday. It arrived at the warehouse this morning.';

describe('leakScore', () => {
  it("gives the scores of DGT's metric (checked against a Python transcription of it on the same texts)", () => {
    expect(leakScore('The brown fox jumps over the dog and runs into the dense forest', [foxSeed])).toBe(0.9043);
    expect(leakScore('A smart little dog watched the fox runs into the forest', [foxSeed])).toBe(0.6741);
    const retold = 'A smart little dog watched the angry and confused fox, who then somehow runs off slowly into a dark and mysterious forest.';
    expect(leakScore(retold, [foxSeed])).toBe(0.5341);
    const reordered = 'The small and fragile package arrived at the warehouse. The delivery truck was not on time.';
    expect(leakScore(reordered, [truckSeed])).toBe(0.5584);
    expect(leakScore(reordered, [truckSeed, foxSeed])).toBe(0.5584);
    expect(leakScore('The quick brown fox jumps over the lazy dog.', ['A quick brown fox jumps over the lazy dog.'])).toBe(0.8225);
  });

  it('is 0 without shared words, for shared short stop words alone, and for an empty text', () => {
    expect(leakScore('Completely different words here.', [foxSeed])).toBe(0);
    expect(leakScore('Cats sleep the afternoon.', ['Dogs bark the night.'])).toBe(0);
    expect(leakScore('', [foxSeed])).toBe(0);
    expect(leakScore('Some text.', [])).toBe(0);
  });

  it('grows with the length of the copied run, up to 1', () => {
    const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon'.split(' ');
    const scores = [2, 4, 6, 10, 20].map((count) => leakScore(words.slice(0, count).join(' '), [words.join(' ')]));
    expect(scores).toEqual([...scores].sort((left, right) => left - right));
    expect(scores[2]).toBe(0.7);
    expect(scores[4]).toBeGreaterThan(0.95);
    expect(scores[4]).toBeLessThanOrEqual(1);
  });

  it('counts a sentence repeated in the text once', () => {
    expect(leakScore('The quick brown fox jumps. The quick brown fox jumps.', [foxSeed])).toBe(leakScore('The quick brown fox jumps.', [foxSeed]));
  });

  it('takes its weights from the settings', () => {
    const text = 'A smart little dog watched the fox runs into the forest';
    expect(leakScore(text, [foxSeed], { ...defaultLeakScoreSettings, wordLeakCountBaseline: 20 })).toBeLessThan(leakScore(text, [foxSeed]));
    expect(leakScore(text, [foxSeed], { ...defaultLeakScoreSettings, adjacencyPenaltyWeight: 0, distanceConsistencyPenaltyWeight: 0 })).toBeGreaterThan(leakScore(text, [foxSeed]));
  });
});
