/**
 * Syntax validators: µs per record of each `validators/*` check over a few thousand generated texts, a quarter of
 * them broken, as ratios against `JSON.parse` of the JSON texts in the same run. Tree-sitter's first check, which
 * loads the WebAssembly runtime and grammar, is timed on its own.
 */
import { stringify } from 'yaml';
import { parseBlockConfig } from '../../lib/blocks/block-operator.ts';
import type { BlockCall, BlockContext, BlockDefinition, Verdict } from '../../lib/blocks/block-definition.ts';
import { syntaxBlocks } from '../../lib/blocks/syntax/index.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const count = Number(process.env['BENCH_VALIDATORS_RECORDS'] ?? 4_000);
const rounds = 3;

type Pick = <V>(values: readonly V[]) => V;

const names = 'alice bob carol dave erin frank grace heidi ivan judy mallory niaj olivia peggy rupert sybil trent victor walter'.split(' ');
const products = 'lamp desk chair cable router monitor keyboard mouse charger speaker webcam headset tablet kettle'.split(' ');
const words = 'the quick answer explains why rivers bend and how cities grow near water while markets trade goods'.split(' ');

const order = (pick: Pick, index: number) => ({
  id: `ord-${index}`,
  customer: { name: pick(names), email: `${pick(names)}@example.com`, vip: index % 7 === 0 },
  items: Array.from({ length: 1 + (index % 4) }, (_, item) => ({ sku: `${pick(products)}-${item}`, quantity: 1 + (index % 3), price: Number((index % 97) + 0.99) })),
  status: pick(['open', 'paid', 'shipped']),
  notes: `${pick(words)} ${pick(words)} ${pick(words)}`,
});

const orderSchema = {
  type: 'object',
  required: ['id', 'customer', 'items', 'status'],
  properties: {
    id: { type: 'string' },
    customer: { type: 'object', required: ['name', 'email'], properties: { name: { type: 'string' }, email: { type: 'string' }, vip: { type: 'boolean' } } },
    items: { type: 'array', items: { type: 'object', required: ['sku', 'quantity', 'price'], properties: { sku: { type: 'string' }, quantity: { type: 'integer' }, price: { type: 'number' } } } },
    status: { enum: ['open', 'paid', 'shipped'] },
    notes: { type: 'string' },
  },
};

const pythonSource = (pick: Pick, index: number): string => `def total_${index}(items, rate=0.${index % 9 + 1}):
    """Sum the ${pick(products)} prices, with tax."""
    subtotal = sum(item["price"] * item.get("quantity", 1) for item in items)
    if subtotal > ${index % 500}:
        subtotal -= ${index % 17}
    for name in [${JSON.stringify(pick(names))}, ${JSON.stringify(pick(names))}]:
        print(f"{name}: {subtotal:.2f}")
    return round(subtotal * (1 + rate), 2)
`;

const javascriptSource = (pick: Pick, index: number): string => `export function total${index}(items, rate = 0.${index % 9 + 1}) {
  const subtotal = items.reduce((sum, item) => sum + item.price * (item.quantity ?? 1), 0);
  for (const name of [${JSON.stringify(pick(names))}, ${JSON.stringify(pick(names))}]) {
    console.log(\`\${name}: \${subtotal.toFixed(2)}\`);
  }
  return Math.round(subtotal * (1 + rate) * 100) / 100;
}
`;

const typescriptSource = (pick: Pick, index: number): string => `interface Item${index} { price: number; quantity?: number; sku: '${pick(products)}' | string }

export function total${index}(items: readonly Item${index}[], rate = 0.${index % 9 + 1}): number {
  const subtotal = items.reduce((sum: number, item) => sum + item.price * (item.quantity ?? 1), 0);
  const names: string[] = [${JSON.stringify(pick(names))}, ${JSON.stringify(pick(names))}];
  for (const name of names) console.log(\`\${name}: \${subtotal.toFixed(2)}\`);
  return Math.round(subtotal * (1 + rate) * 100) / 100;
}
`;

const sqlSource = (pick: Pick, index: number): string =>
  pick([
    `SELECT c.name, COUNT(o.id) AS orders, SUM(o.total) AS spent\nFROM customers c\nJOIN orders o ON o.customer_id = c.id\nWHERE o.status = '${pick(['open', 'paid'])}' AND o.total > ${index % 300}\nGROUP BY c.name\nHAVING COUNT(o.id) > 2\nORDER BY spent DESC\nLIMIT 10`,
    `INSERT INTO items (sku, quantity, price) VALUES ('${pick(products)}-${index}', ${index % 5 + 1}, ${index % 90}.99)`,
    `UPDATE orders SET status = 'shipped' WHERE id IN (SELECT order_id FROM shipments WHERE carrier = '${pick(names)}')`,
  ]);

const answerText = (pick: Pick, index: number): string => `${Array.from({ length: 20 + (index % 60) }, () => pick(words)).join(' ')} near rivers.`;

/** Breaks a text the way a model does: a bracket dropped, a token doubled, the end cut off. */
function breakText(text: string, next: () => number): string {
  const at = Math.floor(next() * text.length);
  const kind = Math.floor(next() * 3);
  if (kind === 0) {
    const bracket = text.slice(at).search(/[)\]}]/);
    if (bracket !== -1) return text.slice(0, at + bracket) + text.slice(at + bracket + 1);
  }
  if (kind === 1) return `${text.slice(0, at)} = = ${text.slice(at)}`;
  return text.slice(0, Math.max(1, Math.floor(text.length * 0.7)));
}

/** `count` texts from a template, every fourth one broken (by `breakText`, or by `broken` when given). */
function texts(seed: number, make: (pick: Pick, index: number) => string, broken?: (text: string, index: number) => string): { valid: string[]; invalid: string[] } {
  const next = seededRandom(seed);
  const pick: Pick = (values) => values[Math.floor(next() * values.length)]!;
  const valid: string[] = [];
  const invalid: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const text = make(pick, index);
    if (index % 4 === 3) invalid.push(broken ? broken(text, index) : breakText(text, next));
    else valid.push(text);
  }
  return { valid, invalid };
}

const context: BlockContext = {
  file: 'bench.yaml',
  field: 'blocks.0',
  directory: process.cwd(),
  builderKind: 'transformation',
  engine: () => {
    throw new Error('no engine');
  },
  embedder: () => {
    throw new Error('no embedder');
  },
};
const call: BlockCall = { id: '0-bench', record: { task_name: 'bench', is_seed: false }, signal: new AbortController().signal, spend: () => {} };

function checkOf(type: string, fields: Record<string, unknown>): (text: string) => Verdict | Promise<Verdict> {
  const definition = syntaxBlocks.find((block) => block.type === type) as BlockDefinition;
  const behaviour = definition.create(parseBlockConfig(definition, { name: 'bench', type, ...fields }, context), context);
  if (behaviour.kind !== 'validator') throw new Error(`${type} is not a validator`);
  return (text) => behaviour.check({ input: text }, call) as Verdict | Promise<Verdict>;
}

/** Best of `rounds` µs per text, awaiting only the answers that are promises; and how many texts were rejected. */
async function time(check: (text: string) => Verdict | Promise<Verdict>, items: readonly string[]): Promise<{ micros: number; rejected: number }> {
  let best = Infinity;
  let rejected = 0;
  for (let round = 0; round <= rounds; round += 1) {
    rejected = 0;
    const start = performance.now();
    for (const text of items) {
      const answer = check(text);
      const verdict = answer instanceof Promise ? await answer : answer;
      if (!verdict.valid) rejected += 1;
    }
    // Round 0 warms the JIT (and loads parsers) and is not counted.
    if (round > 0) best = Math.min(best, ((performance.now() - start) * 1000) / items.length);
  }
  return { micros: best, rejected };
}

const micros = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(2));

/** µs per record of every syntax validator over generated valid and broken texts, against `JSON.parse`. Returns printable lines. */
export async function benchValidators(): Promise<string[]> {
  const json = texts(1, (pick, index) => JSON.stringify(order(pick, index), null, index % 2 === 0 ? 2 : undefined));
  const schemaBroken = texts(1, (pick, index) => JSON.stringify(order(pick, index)), (text) => text.replace(/"quantity":(\d+)/, '"quantity":"$1"'));
  const yaml = texts(2, (pick, index) => stringify(order(pick, index)), (text) => text.replace('customer:\n', 'customer:\n customer: 1\n'));
  const cases: { readonly label: string; readonly type: string; readonly fields?: Record<string, unknown>; readonly texts: { valid: string[]; invalid: string[] } }[] = [
    { label: 'json', type: 'validators/json', texts: json },
    { label: 'json + schema', type: 'validators/json', fields: { schema: orderSchema }, texts: schemaBroken },
    { label: 'yaml', type: 'validators/yaml', texts: yaml },
    { label: 'yaml + schema', type: 'validators/yaml', fields: { schema: orderSchema }, texts: yaml },
    { label: 'sql (mysql)', type: 'validators/sql', texts: texts(3, sqlSource) },
    { label: 'sql (postgresql)', type: 'validators/sql', fields: { dialect: 'postgresql' }, texts: texts(3, sqlSource) },
    { label: 'python', type: 'validators/python', texts: texts(4, pythonSource) },
    { label: 'javascript', type: 'validators/javascript', texts: texts(5, javascriptSource) },
    { label: 'typescript', type: 'validators/typescript', texts: texts(6, typescriptSource) },
    { label: 'regex (search)', type: 'validators/regex', fields: { pattern: '\\b(?:rivers|markets)\\b', flags: 'i' }, texts: texts(7, answerText, (text) => text.replace(/\b(?:rivers|markets)\b/gi, 'x')) },
    { label: 'length (words)', type: 'validators/length', fields: { min: 20, max: 90, unit: 'words' }, texts: texts(8, answerText, (text) => `${text} ${text}`) },
  ];

  const all = [...json.valid, ...json.invalid];
  const parseAll = (): void => {
    for (const text of all) {
      try {
        JSON.parse(text);
      } catch {
        // broken texts are part of the baseline too
      }
    }
  };
  parseAll();
  let baseline = Infinity;
  for (let round = 0; round < rounds; round += 1) {
    const start = performance.now();
    parseAll();
    baseline = Math.min(baseline, ((performance.now() - start) * 1000) / all.length);
  }
  const meanLength = Math.round(all.reduce((sum, text) => sum + text.length, 0) / all.length);
  const lines = [`  ${count} texts per validator, every fourth broken; best of ${rounds} rounds after a warm-up`, `  baseline JSON.parse of the JSON texts (${meanLength} characters on average): ${micros(baseline)} µs/record`];

  const firstPython = checkOf('validators/python', {});
  const loadStart = performance.now();
  await firstPython('x = 1\n');
  lines.push(`  first tree-sitter check (loads the WebAssembly runtime and the Python grammar): ${(performance.now() - loadStart).toFixed(0)} ms`);

  for (const { label, type, fields, texts: { valid, invalid } } of cases) {
    const check = checkOf(type, fields ?? {});
    const good = await time(check, valid);
    const bad = await time(check, invalid);
    const overall = (good.micros * valid.length + bad.micros * invalid.length) / (valid.length + invalid.length);
    lines.push(
      `  ${label.padEnd(17)} valid ${micros(good.micros).padStart(6)} µs, broken ${micros(bad.micros).padStart(6)} µs, ` +
        `all ${micros(overall).padStart(6)} µs/record = ${(overall / baseline).toFixed(overall < baseline ? 2 : 1).padStart(5)}x JSON.parse; ` +
        `rejected ${good.rejected}/${valid.length} valid, ${bad.rejected}/${invalid.length} broken`,
    );
  }
  return lines;
}
