// The floor of the framework-cpu benchmark: what a hand-written loop pays to make the records the built CLI makes
// (the geography task on the `simulated` engine, exact dedupe on) and append them as JSONL. For each input: a
// prompt of three seed examples, a simulated answer (the engine's SHA-256 tag of the prompt), the answer parsed
// into a question and an answer, an exact dedupe of the question (a Set), then the record as one JSON line; the
// lines of 32 inputs are appended with one write, as the CLI's group commit does. No framework, no telemetry.
// `node framework-cpu-baseline.mjs <records> <file>`; run it with `--import report-peak-rss.mjs` for its CPU.
import { hash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

const seeds = [
  ['Which river flows through Budapest?', 'The Danube.'],
  ['What is the highest mountain in Africa?', 'Mount Kilimanjaro, at about 5,895 metres.'],
  ['Which country has the most natural lakes?', 'Canada.'],
  ['What is the capital of Australia?', 'Canberra.'],
  ['Which desert covers most of northern Chile?', 'The Atacama Desert.'],
  ['What strait separates Europe from Africa?', 'The Strait of Gibraltar.'],
  ['Which ocean lies between Africa and Australia?', 'The Indian Ocean.'],
  ['What is the largest island in the Mediterranean Sea?', 'Sicily.'],
  ['Which two countries share the longest international border?', 'Canada and the United States.'],
  ['In which country is the city of Timbuktu?', 'Mali.'],
];

const target = Number(process.argv[2]);
const file = process.argv[3];
if (!Number.isSafeInteger(target) || target < 1 || !file) throw new Error('usage: framework-cpu-baseline.mjs <records> <file>');

const fd = openSync(file, 'w');
const seen = new Set();
let made = 0;
let sequence = 0;
let batch = '';
let inBatch = 0;
while (made < target) {
  const input = sequence++;
  const examples = [0, 1, 2].map((offset) => seeds[(input * 3 + offset) % seeds.length]);
  const prompt = `You write geography questions.\n\n${examples.map(([question, answer]) => `Question: ${question}\nAnswer: ${answer}`).join('\n\n')}\n\nQuestion:`;
  const tag = hash('sha256', `${input}\n0\n${prompt}`).slice(0, 8);
  const text = `Question: [simulated] question ${tag}?\nAnswer: [simulated] answer ${tag}.`;
  const [questionPart, answerPart] = text.split('Answer:');
  const question = questionPart.split('Question:').at(-1).trim();
  const answer = answerPart.trim();
  if (!seen.has(question)) {
    seen.add(question);
    made += 1;
    batch += `${JSON.stringify({ task_name: 'geo', is_seed: false, question, answer, rxdgt_id: `${input}-${tag}` })}\n`;
  }
  inBatch += 1;
  if (inBatch === 32 || made === target) {
    if (batch !== '') writeSync(fd, batch);
    batch = '';
    inBatch = 0;
  }
}
closeSync(fd);
