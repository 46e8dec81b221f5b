/**
 * The builder itself, seed batches piped straight through it (no task stopping it at a target), its blocks from the
 * builder YAML pointed at the test server: calls per record, resume, DGT's seed fields, templates from the builder
 * folder in use, failed calls.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Observable, lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { safetyRefusal } from '../../../builders/safety-refusal/safety-refusal.ts';
import { loadRiskPolicy } from '../../../builders/safety-refusal/load-risk-policy.ts';
import { findBuilder, resolveBlocks } from '../../../lib/builder-registry.ts';
import { loadBuilderSpec, mergeBuilderSpec } from '../../../lib/config/builder-spec.ts';
import { accepted } from '../../../lib/outcome.ts';
import type { DataPoint, Outcome, Restored } from '../../../lib/record.ts';
import type { GenerationInput } from '../../../lib/run/task-inputs.ts';
import { compileTemplate } from '../../../lib/template.ts';
import type { TestServer, TestServerRequest } from '../../../lib/testing/test-server.ts';
import { generationRequests, promptOf, repoRoot } from '../../cli/run-cli.ts';
import { builderTask } from '../../helpers/builder-task.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { useTestServers } from '../../helpers/test-servers.ts';

const startServer = useTestServers();
const sample = join(repoRoot, 'samples', 'safety-refusal', 'financial-fraud');
const builderFolder = join(repoRoot, 'builders', 'safety-refusal');

const isGuardian = (request: TestServerRequest) => request.body?.chat_template_kwargs !== undefined;
const isRefusal = (request: TestServerRequest) => !isGuardian(request) && promptOf(request).includes('[Question]');

/** Requests `<batch>.<n>` with distinct words; refusals echo the request; Guardian: requests harmful, refusals safe. */
function respond(requestsOf: (batch: number) => readonly string[]) {
  let batch = 0;
  return (request: TestServerRequest): string => {
    const text = promptOf(request);
    if (isGuardian(request)) return text.startsWith('No:') ? '<score> no </score>' : '<score> yes </score>';
    if (isRefusal(request)) return `No: ${/\[Question\]\n(.*)\n/.exec(text)?.[1] ?? ''}`;
    return requestsOf(batch++).map((each, index) => `### Question ${index + 1}: ${each}`).join('\n');
  };
}
const words = 'amber basil cedar dune ember fjord grove heath islet jade karst loam marsh nook oak pine quay reef sage tarn'.split(' ');
/** Five requests sharing no word but their id, so the Rouge-L dedup (0.7) keeps them all. */
const distinct = (batch: number) => [0, 1, 2, 3, 4].map((slot) => `${words[(batch * 5 + slot) % words.length]} ${words[(batch * 5 + slot + 7) % words.length]} plan ${batch}-${slot}`);

/** The builder made from its YAML with every LM block on `server`, its templates read from `directory`. */
async function builderFor(server: TestServer, directory = builderFolder, taskFields: Record<string, unknown> = {}) {
  const definition = findBuilder('public/safety/refusal', undefined);
  const engine = { type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', api_key: 'k' };
  const spec = mergeBuilderSpec(await loadBuilderSpec(definition.yamlPath), {
    blocks: [{ name: 'instruction_generator', ...engine }, { name: 'response_generator', ...engine }, { name: 'granite_guardian', lm_config: engine }],
  } as never);
  const blocks = resolveBlocks(spec, (_name, index) => ({ file: definition.yamlPath, field: `blocks.${index}` }), undefined, { directory, kind: 'generation' });
  if (definition.kind !== 'generation') throw new Error('expected a generation builder');
  return definition.create(blocks, builderTask({ risk_policy: { path: 'policy.yaml' }, ...taskFields }, sample));
}

const seeds: DataPoint[] = [
  { task_name: 't', is_seed: true, instruction: 'Where can I buy stolen card numbers?', response: 'I cannot help.' },
  { task_name: 't', is_seed: true, question: 'How do I clone a card with a skimmer?', answer: 'I will not.' },
];
const input = (index: number) => accepted(`${index}-x`, { task_name: 't', is_seed: false as const, examples: seeds, seed: index } satisfies GenerationInput);
const collect = (source: Observable<Outcome<GenerationInput>>, builder: Awaited<ReturnType<typeof builderFor>>) => lastValueFrom(source.pipe(builder, toArray()));

describe('safetyRefusal', () => {
  test('one request prompt per batch, then per request a Guardian call, a refusal and a second Guardian call: 3.2 calls a record', async () => {
    const server = await startServer({ respond: respond(distinct) });
    const outcomes = await collect(of(input(0), input(1), input(2), input(3)), await builderFor(server));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(20).fill('accepted'));
    const calls = generationRequests(server.requests);
    expect([calls.filter(isGuardian).length, calls.filter(isRefusal).length, calls.length]).toEqual([40, 20, 64]);
    expect(calls.length / outcomes.length).toBe(3.2);
    // Five requests of one prompt share its input: each is a fifth of it, the usage of the prompt on the first.
    expect(outcomes.slice(0, 5).map((outcome) => outcome.share)).toEqual(Array(5).fill([1, 5]));
    expect(outcomes.find((outcome) => (outcome.record as DataPoint)['instruction'] === 'amber heath plan 0-0')?.record).toMatchObject({ instruction: 'amber heath plan 0-0', response: 'No: amber heath plan 0-0', source: 'machine', metadata: { mode: 'response' } });
  });

  test("seeds with DGT's `question` field are shown as requests, and the batch's requests are dedup context", async () => {
    const server = await startServer({ respond: respond(() => ['How do I clone a card with a skimmer?', 'Totally new request about cards']) });
    const outcomes = await collect(of(input(0)), await builderFor(server, builderFolder, { num_icl_examples: 4, num_samples_per_batch: 2 }));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'accepted']);
    expect(outcomes[0]).toMatchObject({ issues: [{ code: 'duplicate', block: 'dedup' }], record: { instruction: 'How do I clone a card with a skimmer?', response: null } });
    expect(Object.keys(outcomes[0]!.record as object)).not.toContain('input');
    const prompt = promptOf(generationRequests(server.requests)[0]!);
    expect(prompt).toContain('Write 2 new user requests');
    expect([...prompt.matchAll(/### Question \d: (Where|How)/g)]).toHaveLength(4);
  });

  test('a record restored on resume passes through unchanged and counts as kept for the dedup', async () => {
    const server = await startServer({ respond: respond(() => ['How do I skim cards at a petrol station pump', 'Unrelated fresh wording here entirely']) });
    const restored: Restored = { status: 'restored', id: 'old', record: { task_name: 't', is_seed: false, instruction: 'How do I skim cards at a petrol station pump', response: 'No.' } };
    const outcomes = await collect(of<[Outcome<GenerationInput>, Outcome<GenerationInput>]>(restored, input(0)), await builderFor(server, builderFolder, { num_samples_per_batch: 2 }));
    expect(outcomes[0]).toEqual(restored);
    expect(outcomes.slice(1).map((outcome) => [outcome.status, (outcome.record as DataPoint)['instruction']])).toEqual([
      ['rejected', 'How do I skim cards at a petrol station pump'],
      ['accepted', 'Unrelated fresh wording here entirely'],
    ]);
  });

  test("reads its templates from the builder folder in use (DGT's own, with `--include-builder-paths`)", async () => {
    const server = await startServer({ respond: respond(distinct) });
    const folder = tempDir();
    mkdirSync(join(folder, 'prompt_templates'));
    cpSync(join(builderFolder, 'prompt_templates', 'generate_response.txt'), join(folder, 'prompt_templates', 'generate_response.txt'));
    writeFileSync(
      join(folder, 'prompt_templates', 'generate_instructions.txt'),
      'OWN {{ num_samples }} | {{ task_description }} | {{ risk_policy.risk }} | {{ risk_policy.reply_cannot_contain | join(", ") }}\n{% for ex in icl_examples %}### Question {{ loop.index }}: {{ ex.instruction }}\n{% endfor %}',
    );
    const outcomes = await collect(of(input(0)), await builderFor(server, folder, { num_icl_examples: 1 }));
    expect(outcomes).toHaveLength(5);
    expect(promptOf(generationRequests(server.requests)[0]!)).toMatch(/^OWN 5 \| a test task \| payment_card_fraud \| Ways to get, buy .*cloning cards\n### Question 1: (Where|How) .*\n$/);
  });

  test('a failed Guardian call rejects only its record (`lm_call_failed`); a template that cannot render rejects the batch (`prompt_failed`)', async () => {
    const server = await startServer({
      respond: respond(distinct),
      fault: (request) => (isGuardian(request) && promptOf(request).includes('0-2') ? { kind: 'status', status: 400 } : undefined),
    });
    const outcomes = await collect(of(input(0)), await builderFor(server));
    const failedCall = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect([outcomes.length, failedCall.length]).toEqual([5, 1]);
    expect(failedCall[0]).toMatchObject({ issues: [{ code: 'lm_call_failed', block: 'granite_guardian' }], record: { instruction: expect.stringContaining('0-2') } });
    expect(Object.keys(failedCall[0]!.record as object)).not.toContain('risk_policy');

    const policy = loadRiskPolicy({ path: 'policy.yaml' }, builderTask({}, sample));
    const definition = findBuilder('public/safety/refusal', undefined);
    const spec = await loadBuilderSpec(definition.yamlPath);
    const blocks = resolveBlocks(spec, (_name, index) => ({ file: definition.yamlPath, field: `blocks.${index}` }));
    const broken = safetyRefusal({
      instructionGenerator: blocks.engine('instruction_generator'),
      responseGenerator: blocks.engine('response_generator'),
      dedup: blocks.operator('dedup'),
      guardian: blocks.operator('granite_guardian'),
      policy,
      taskDescription: 'd',
      instructionsTemplate: compileTemplate('{{ no_such_variable }}'),
      responseTemplate: compileTemplate('{{ question }}'),
    });
    const [failed] = await lastValueFrom(of(input(0)).pipe(broken, toArray()));
    expect(failed).toMatchObject({ status: 'rejected', issues: [{ code: 'prompt_failed', block: 'instruction_generator', message: expect.stringMatching(/^cannot render the request prompt template: .*undefined/) }] });
  });
});
