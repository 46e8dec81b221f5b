// The library's own PRNG: tests and benchmarks replay the draws a run makes.
export { seededRandom } from '../../lib/random.ts';
