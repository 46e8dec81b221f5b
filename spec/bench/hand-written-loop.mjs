// The loop people write by hand, as a whole process (the baseline of `cli-saturation.bench.ts`): the openai SDK, a
// limiter of CALL_LIMIT, the geography prompt with three random seed examples, parse, exact dedupe in a Set, and
// `fs.appendFile` per record, until RECORDS are kept or as many requests are sent. Env: BASE_URL, RECORDS,
// CALL_LIMIT, OUT (the JSONL file), TEMPLATE (the prompt file), SEEDS (JSON of the seed examples).
import { appendFile, readFile } from 'node:fs/promises';
import OpenAI from 'openai';

const records = Number(process.env.RECORDS);
const callLimit = Number(process.env.CALL_LIMIT ?? 64);
const template = await readFile(process.env.TEMPLATE, 'utf8');
const seeds = JSON.parse(process.env.SEEDS);
const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: 'k', maxRetries: 0 });

const queue = [];
let active = 0;
const limit = (work) =>
  new Promise((resolve, reject) => {
    const start = () => {
      active += 1;
      work()
        .then(resolve, reject)
        .finally(() => {
          active -= 1;
          queue.shift()?.();
        });
    };
    if (active < callLimit) start();
    else queue.push(start);
  });

const seen = new Set();
let kept = 0;
const one = async () => {
  const examples = Array.from({ length: 3 }, () => seeds[Math.floor(Math.random() * seeds.length)])
    .map((example) => `Question: ${example.question}\nAnswer: ${example.answer}`)
    .join('\n\n');
  const completion = await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: template.replace('{{ examples }}', examples) }] });
  const [head, answer, ...extra] = (completion.choices[0]?.message.content ?? '').split('Answer:');
  const question = head?.split('Question:').at(-1)?.trim();
  if (!question || !answer?.trim() || extra.length > 0 || seen.has(question)) return;
  seen.add(question);
  await appendFile(process.env.OUT, `${JSON.stringify({ task_name: 'geo', is_seed: false, question, answer: answer.trim() })}\n`);
  kept += 1;
};

await Promise.all(Array.from({ length: records }, () => limit(one)));
if (kept !== records) process.stderr.write(`kept ${kept} of ${records}\n`);
