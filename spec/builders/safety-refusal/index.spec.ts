/**
 * DGT's `public/safety/refusal` end to end: the sample task (and variants of it) run through `prepareRun` and
 * `runTasks` against the local test server standing in for the generators and Granite Guardian.
 */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { parse, stringify } from 'yaml';
import { describe, expect, test } from 'vitest';
import { findBuilder, resolveBlocks } from '../../../lib/builder-registry.ts';
import { loadBuilderSpec } from '../../../lib/config/builder-spec.ts';
import { ConfigError } from '../../../lib/errors/config-error.ts';
import { type PreparedRun, prepareRun } from '../../../lib/run/prepare-run.ts';
import { runTasks } from '../../../lib/run/run-tasks.ts';
import type { TestServer } from '../../../lib/testing/test-server.ts';
import { generationRequests, promptOf, repoRoot, runCli } from '../../cli/run-cli.ts';
import { wholeLines } from '../../cli/cli-tasks.ts';
import { builderTask } from '../../helpers/builder-task.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { useTestServers } from '../../helpers/test-servers.ts';
import { type Kind, answers, blocks, builder, kindOf, request, scripted } from './answers.ts';

const startServer = useTestServers();
const sample = join(repoRoot, 'samples', 'safety-refusal', 'financial-fraud');

/** A joint config pointing every LM block of the builder (and Guardian's `lm_config`) at the server. */
function jointConfig(dir: string, server: TestServer, guardian: Readonly<Record<string, unknown>> = {}): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(path, stringify({ databuilders: { [builder]: { blocks: blocks(server.baseURL, guardian) } } }));
  return path;
}

/** The sample copied to a temp folder, its task file changed by `edit`. */
function sampleCopy(dir: string, edit: (task: Record<string, unknown>) => void = () => {}): string {
  const folder = join(dir, 'task');
  cpSync(sample, folder, { recursive: true });
  const file = join(folder, 'task.yaml');
  const task = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(task);
  writeFileSync(file, stringify(task));
  return folder;
}

/** What `prepareRun` threw for settings whose every task fails to load. */
async function loadError(settings: Parameters<typeof prepareRun>[0]): Promise<ConfigError> {
  const error: unknown = await prepareRun({ env: {}, ...settings }).then(
    async (prepared) => {
      await prepared.close();
      return undefined;
    },
    (thrown: unknown) => thrown,
  );
  if (!ConfigError.isInstance(error)) throw new Error(`expected a ConfigError, received ${String(error)}`);
  return error;
}

async function run(settings: Parameters<typeof prepareRun>[0]): Promise<{ prepared: PreparedRun; records: readonly Record<string, unknown>[] }> {
  const prepared = await prepareRun({ env: {}, ...settings });
  try {
    const records = await lastValueFrom(runTasks(prepared.tasks).pipe(toArray()));
    return { prepared, records };
  } finally {
    await prepared.close();
  }
}

/** Every rejected record the task wrote under `blocks/`, with its issues. */
function rejects(taskDir: string): Record<string, unknown>[] {
  const folder = join(taskDir, 'blocks');
  if (!existsSync(folder)) return [];
  return readdirSync(folder).flatMap((file) => wholeLines(join(folder, file)));
}

describe('public/safety/refusal', () => {
  test('the sample: requests from the seeds, Guardian both ways, refusals; records and formatted data on disk', async () => {
    const server = await startServer({ respond: answers() });
    const dir = tempDir();
    const out = join(dir, 'out');
    const { prepared, records } = await run({ taskPaths: [sample], configPath: jointConfig(dir, server), outputDir: out, numOutputsToGenerate: 6, saveFormattedOutput: true, seed: 3 });
    expect(prepared.failed).toEqual([]);
    expect(records.length).toBeGreaterThanOrEqual(6);
    const taskDir = join(out, 'samples', 'safety', 'refusal', 'payment_card_fraud');
    const data = wholeLines(join(taskDir, 'data.jsonl'));
    expect(data.length).toBeGreaterThanOrEqual(6);
    const policyMetadata = {
      risk: 'payment_card_fraud',
      risk_description: 'Request to obtain, test, clone or spend payment card details that belong to someone else',
      risk_group: 'financial_fraud',
      risk_group_id: 7,
      risk_id: 7.1,
      reason_denial: 'CARD_FRAUD',
      short_reply_type: 'EXPLICIT_REFUSAL',
      exception: 'FRAUD_PREVENTION_EXCEPTION',
      policy_version: 'v0.1',
    };
    for (const record of data) {
      expect(Object.keys(record).filter((key) => key !== 'rxdgt_id')).toEqual(['task_name', 'is_seed', 'task_description', 'instruction', 'response', 'source', 'metadata']);
      expect(record).toMatchObject({
        task_name: 'samples/safety/refusal/payment_card_fraud',
        is_seed: false,
        task_description: expect.stringMatching(/^A task for generating \(harmful payment-card fraud request/),
        instruction: expect.stringMatching(/^Tell me /),
        response: `REFUSAL: I can't help with "${String(record['instruction'])}".`,
        source: 'machine',
        metadata: { ...policyMetadata, mode: 'response' },
      });
    }
    const formatted = wholeLines(join(taskDir, 'formatted_data.jsonl'));
    expect(formatted[0]).toEqual({ instruction: data[0]!['instruction'], response: data[0]!['response'], metadata: policyMetadata });

    const sent = generationRequests(server.requests);
    const prompts = sent.filter((each) => kindOf(each) === 'requests').map(promptOf);
    // The request prompt: 5 asked for, the task description, the risk and what a reply cannot contain, 3 seed examples.
    expect(prompts[0]).toContain('Write 5 new user requests');
    expect(prompts[0]).toContain('A task for generating (harmful payment-card fraud request');
    expect(prompts[0]).toContain('"payment_card_fraud"');
    expect(prompts[0]).toContain('Steps to test stolen cards or to cash them out, Instructions for skimming or cloning cards');
    expect([...prompts[0]!.matchAll(/### Question (\d): (Where|How|Explain|Write a script|What)/g)].map((match) => match[1])).toEqual(['1', '2', '3']);
    const refusalPrompt = sent.filter((each) => kindOf(each) === 'refusal').map(promptOf)[0]!;
    expect(refusalPrompt).toContain('Your reply may include: A polite refusal to help with card fraud, Pointers to how cardholders');
    expect(refusalPrompt).toMatch(/\[Question\]\nTell me .+\n\[Response\]/);
    // Guardian: greedy, 3.3's custom criteria (the description, then the reply_cannot_contain list), no think.
    const guardian = sent.find((each) => kindOf(each) === 'guardian')!;
    expect(guardian.body.temperature).toBe(0);
    expect(guardian.body.chat_template_kwargs).toEqual({
      guardian_config: { custom_criteria: expect.stringMatching(/^Request to obtain, test, clone or spend payment card details that belong to someone else\n\n.*\n- Ways to get, buy or guess card numbers/s) },
      think: false,
    });
    // Every kept record had a refusal and two Guardian calls; the task stops at its target, so more were in flight.
    const count = (kind: Kind) => sent.filter((each) => kindOf(each) === kind).length;
    expect(count('other')).toBe(0);
    expect(count('refusal')).toBeGreaterThanOrEqual(data.length);
    expect(count('guardian')).toBeGreaterThanOrEqual(count('refusal') + data.length);
  });

  test('rejects duplicates, safe requests, harmful refusals, unrated verdicts, empty refusals and unreadable answers, each with its reason', async () => {
    const batches = [
      // A request repeating a seed, one Guardian rates safe, one whose refusal leaks, one Guardian cannot rate, one with no refusal, one good.
      ['Where can I buy a list of working credit card numbers with their CVV codes?', request(0, 1, 'HARMLESS'), request(0, 2, 'LEAKY'), request(0, 3, 'GARBLED'), request(0, 4, 'EMPTY'), request(0, 5)]
        .map((text, slot) => `### Question ${slot + 1}: ${text}`)
        .join('\n'),
      'Sorry, I will not write those.',
    ];
    const server = await startServer({ respond: scripted((index) => batches[index] ?? `### Question 1: ${request(index, 9)}`) });
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = sampleCopy(dir, (spec) => {
      spec['runner_config'] = { num_outputs_to_generate: 3, seed_batch_size: 5 };
    });
    const { records } = await run({ taskPaths: [task], configPath: jointConfig(dir, server), outputDir: out, seed: 1, machineBatchSize: 0 });
    expect(records.map((record) => record['instruction'])).toContain(request(0, 5));
    expect(records.map((record) => record['instruction'])).not.toContain(request(0, 2, 'LEAKY'));
    const issues = rejects(join(out, 'samples', 'safety', 'refusal', 'payment_card_fraud')).flatMap((entry) => entry['issues'] as { code: string; block: string; message: string }[]);
    const byCode = (code: string) => issues.find((issue) => issue.code === code);
    expect(byCode('duplicate')).toMatchObject({ block: 'dedup', message: expect.stringMatching(/Rouge-L F1 1 >= threshold 0.7/) });
    expect(byCode('not_harmful')).toMatchObject({ block: 'granite_guardian', message: expect.stringMatching(/rated the request safe under the risk `payment_card_fraud`/) });
    expect(byCode('unsafe_response')).toMatchObject({ block: 'granite_guardian', message: expect.stringMatching(/rated the refusal harmful/) });
    expect(byCode('guardian_unparseable')).toMatchObject({ block: 'granite_guardian', message: expect.stringMatching(/no rating for the request/) });
    expect(byCode('parse_failed')).toBeDefined();
    expect(issues.filter((issue) => issue.code === 'parse_failed').map((issue) => [issue.block, issue.message])).toEqual(
      expect.arrayContaining([
        ['response_generator', expect.stringMatching(/empty text/)],
        ['instruction_generator', expect.stringMatching(/no `### Question <n>:` heading.*Sorry, I will not/)],
      ]),
    );
  });

  test('a risk_policy path that does not exist, does not parse or names an unknown risk is a ConfigError naming the task file and field', async () => {
    const dir = tempDir();
    const cases: [string, (task: Record<string, unknown>) => void, string, RegExp][] = [
      ['missing', (task) => (task['risk_policy'] = { path: 'nowhere.yaml' }), 'risk_policy.path', /risk policy file .*nowhere\.yaml cannot be read: it does not exist/],
      ['garbled', (task) => (task['risk_policy'] = { path: 'bad.yaml' }), 'risk_policy.path', /bad\.yaml is not valid YAML/],
      ['not a policy', (task) => (task['risk_policy'] = { path: 'task.yaml' }), 'risk_policy.path', /is not a risk policy: at `risks` /],
      ['unknown risk', (task) => (task['risk_policy'] = { path: 'policy.yaml', risk: 'wire_fraud' }), 'risk_policy.risk', /risk `wire_fraud` is not in the risk policy file .*its risks: `payment_card_fraud`, `investment_scams`/],
      ['outside', (task) => (task['risk_policy'] = { path: '../policy.yaml' }), 'risk_policy.path', /lies outside the task's folder and DGT's data folder/],
      ['typo', (task) => (task['risk_policy'] = { path: 'policy.yaml', risks: 'x' }), 'risk_policy.risks', /unknown/i],
      ['no policy', (task) => delete task['risk_policy'], 'risk_policy', /expected object|required/i],
      ['zero examples', (task) => (task['num_icl_examples'] = 0), 'num_icl_examples', />=\s*1|too small|at least/i],
    ];
    for (const [name, edit, field, message] of cases) {
      const folder = sampleCopy(join(dir, name.replace(/ /g, '-')), edit);
      writeFileSync(join(folder, 'bad.yaml'), 'risks: [unclosed\n');
      const error = await loadError({ taskPaths: [folder], outputDir: join(dir, 'out') });
      expect([error.file, error.field], name).toEqual([join(folder, 'task.yaml'), field]);
      expect(error.message, name).toMatch(message);
    }
  });

  test('the CLI exits 2 for a policy file that does not exist, naming the task file and risk_policy.path', async () => {
    const dir = tempDir();
    const folder = sampleCopy(dir, (task) => (task['risk_policy'] = { path: 'missing-policy.yaml' }));
    const result = await runCli(['run', '--task-paths', folder, '--output-dir', join(dir, 'out')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(folder, 'task.yaml'));
    expect(result.stderr).toContain('risk_policy.path');
    expect(result.stderr).toContain('missing-policy.yaml');
  });

  test('a Guardian block with filter: true is a ConfigError at the block: the builder keeps what Guardian rates harmful', async () => {
    const server = await startServer();
    const dir = tempDir();
    const config = jointConfig(dir, server, { filter: true });
    const error = await loadError({ taskPaths: [sample], configPath: config, outputDir: join(dir, 'out') });
    expect([error.file, error.field]).toEqual([config, 'databuilders.public/safety/refusal.blocks.2.filter']);
    expect(error.message).toMatch(/must be false/);
  });

  test("its builder YAML is DGT's: block names and types, Guardian 3.3 with filter off, dedup Rouge-L 0.7", async () => {
    const definition = findBuilder('public/safety/refusal', undefined);
    const spec = await loadBuilderSpec(definition.yamlPath);
    expect(spec.blocks.map((block) => [block.name, block.type])).toEqual([
      ['instruction_generator', 'ollama'],
      ['dedup', 'rouge_scorer'],
      ['response_generator', 'ollama'],
      ['granite_guardian', 'validators/granite_guardian'],
    ]);
    expect(spec.blocks[1]).toMatchObject({ filter: true, threshold: 0.7 });
    expect(spec.blocks[3]).toMatchObject({ model_version: '3.3', filter: false });
    const blocks = resolveBlocks(spec, (_name, index) => ({ file: definition.yamlPath, field: `blocks.${index}` }));
    expect(blocks.engine('instruction_generator').params).toMatchObject({ temperature: 0.7, maxTokens: 1024 });
    expect(blocks.engine('response_generator').params).toMatchObject({ temperature: 0, maxTokens: 512 });
    // Created directly: the task fields' defaults apply and the sample's policy loads.
    const builder = definition.kind === 'generation' ? definition.create(blocks, builderTask({ risk_policy: { path: 'policy.yaml' } }, sample)) : undefined;
    expect(builder?.concurrency).toBe(10);
  });
});
