import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { parse, stringify } from 'yaml';
import { afterEach, describe, expect, test } from 'vitest';
import { ragConversation } from '../../../builders/rag-conversation/index.ts';
import { findBuilder, resolveBlocks } from '../../../lib/builder-registry.ts';
import { loadBuilderSpec } from '../../../lib/config/builder-spec.ts';
import { clearAdmissions } from '../../../lib/model/admission-registry.ts';
import { type RunSettings, prepareRun } from '../../../lib/run/prepare-run.ts';
import { runTasks } from '../../../lib/run/run-tasks.ts';
import type { TestServerRequest } from '../../../lib/testing/test-server-options.ts';
import { generationRequests, promptOf, repoRoot, runCli } from '../../cli/run-cli.ts';
import { readLines } from '../../helpers/read-lines.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { useTestServers } from '../../helpers/test-servers.ts';
import { blocks, builder, formatOf, responder } from './answers.ts';

const start = useTestServers();
afterEach(() => clearAdmissions());

const sample = join(repoRoot, 'samples', 'rag-conversation', 'city-services');
const systemOf = (request: TestServerRequest): string => String(request.body?.messages?.[0]?.content ?? '');

async function runSample(settings: Partial<RunSettings> = {}) {
  const server = await start({ respond: responder(), recordRequests: true });
  const dir = tempDir();
  const config = join(dir, 'config.yaml');
  writeFileSync(config, stringify({ databuilders: { [builder]: { blocks: blocks(server.baseURL), max_concurrent_conversations: 1 } } }));
  const out = join(dir, 'out');
  const run = await prepareRun({ taskPaths: [sample], configPath: config, outputDir: out, env: {}, cwd: dir, numOutputsToGenerate: 3, seed: 11, ...settings });
  try {
    const records = await lastValueFrom(runTasks(run.tasks).pipe(toArray()));
    return { records, server, folder: join(out, 'samples', 'rag', 'city_services') };
  } finally {
    await run.close();
  }
}

interface StepRecord {
  readonly role: string;
  readonly content: unknown;
  readonly [field: string]: unknown;
}

describe('public/rag/conversation end to end (the city-services sample against a test server)', () => {
  test('writes grounded conversations with their documents, formatted examples, and a rejection per garbled answer', async () => {
    const { records, server, folder } = await runSample();
    expect(records).toHaveLength(3);
    const data = readLines<Record<string, unknown> & { steps: StepRecord[] }>(join(folder, 'data.jsonl'));
    expect(data).toHaveLength(3);
    const corpus = readLines<{ id: string; domain: string }>(join(sample, 'documents.jsonl'));
    for (const record of data) {
      expect(record).toMatchObject({ task_name: 'samples/rag/city_services', is_seed: false, branch_point: null, outcome_reward: null });
      expect(record.steps.map((step) => step.role)).toEqual(['rag/scenario', 'persona', 'flow_controller', 'user', 'assistant', 'flow_controller', 'user', 'assistant', 'flow_controller']);
      const scenario = record.steps[0]!;
      expect(Object.keys(scenario)).toEqual(['role', 'content', 'stage_name', 'scores', 'metadata', 'scenario_family_id', 'documents', 'reasoning']);
      const documents = scenario['documents'] as { id: string; text: string; metadata: { domain: string; title: string } }[];
      // One domain per conversation (group_by: domain), k = 3 of it (all of a smaller one); documents as the engine serialized them.
      const domains = new Set(documents.map((document) => document.metadata.domain));
      expect(domains.size).toBe(1);
      expect(documents).toHaveLength(Math.min(3, corpus.filter((entry) => domains.has(entry.domain)).length));
      for (const document of documents) expect(corpus.find((entry) => entry.id === document.id)?.domain).toBe(document.metadata.domain);
      expect(Object.keys(documents[0]!)).toEqual(['id', 'text', 'metadata']);
      expect(record.steps.at(-1)).toMatchObject({ role: 'flow_controller', content: 'rag/termination', terminate: true, stage_name: 'lm/flow_controller/rag' });
      expect(record.steps[4]).toMatchObject({ role: 'assistant', stage_name: 'lm/assistant/rag/static', metadata: { critique_reasoning: 'Every claim is in Document 1.' } });
    }
    const byTag = (tag: string) => data.find((record) => JSON.stringify(record.steps).includes(`S${tag}`))!;
    // S1: the first answer failed the grounding check and was rewritten.
    expect(byTag('1').steps[4]).toMatchObject({ content: 'Answer for S1 (rewritten).', metadata: { critique_attempts: 2 } });
    expect(byTag('1').steps[0]).toMatchObject({ content: 'Scenario S1: a resident needs help.', reasoning: 'Notes 1.', stage_name: 'lm/scenario/rag' });
    // S5: a plain-text scenario is kept (no reasoning), a user turn with only a draft uses the draft.
    expect(byTag('5').steps[0]).toMatchObject({ content: 'Scenario S5 told in plain words.', reasoning: null });
    expect(byTag('5').steps[3]).toMatchObject({ role: 'user', content: 'Question S5 t1?', stage_name: 'lm/user/rag' });
    expect(byTag('6').steps[8]).toMatchObject({ terminate: true });

    const formatted = readLines<{ conversation_id: string; messages: { role: string }[]; documents: unknown[] }>(join(folder, 'formatted_data.jsonl'));
    expect(formatted).toHaveLength(3);
    expect(formatted[0]!.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(formatted[0]!.documents).toEqual(data[0]!.steps[0]!['documents']);

    // One rejected conversation per misbehaving answer, each with its stage, code and reason.
    const rejected = readdirSync(join(folder, 'blocks')).flatMap((file) => readLines<Record<string, unknown>>(join(folder, 'blocks', file)).map((line) => ({ file, line: JSON.stringify(line) })));
    const codes = ['garbled_scenario', 'garbled_user_turn', 'garbled_critique', 'ungrounded_answer'];
    for (const code of codes) expect(rejected.filter((entry) => entry.line.includes(code))).toHaveLength(1);
    expect(rejected.map((entry) => entry.file).sort()).toEqual(['lm_assistant_rag_static.jsonl', 'lm_assistant_rag_static.jsonl', 'lm_scenario_rag.jsonl', 'lm_user_rag.jsonl']);
    expect(rejected.find((entry) => entry.line.includes('ungrounded_answer'))!.line).toContain('rejected the answer 3 time(s); last issues: The fee is made up.');

    // LM calls: a kept conversation of two turns makes 13 (scenario; per turn flow controller 2, user 1, answer 1,
    // check 1; the closing flow controller 2), S1 two more for its rewrite; S0 1, S2 4, S3 and S4 10 (three attempts).
    const requests = generationRequests(server.requests);
    expect(requests).toHaveLength(1 + 15 + 4 + 10 + 10 + 13 + 13);

    // What the prompts carry.
    const scenarioRequest = requests.find((request) => formatOf(request) === 'scenario')!;
    expect(scenarioRequest.body.response_format.json_schema.schema.required).toEqual(['reasoning', 'scenario']);
    expect(promptOf(scenarioRequest)).toMatch(/\[Document 1\]\n\S/);
    // The seed's documents and answer are shown as an in-context example.
    expect(promptOf(scenarioRequest)).toContain('Output:\n{"scenario":"A nurse who moved to Harborview');
    const flow = requests.find((request) => formatOf(request) === 'flow_controller' && promptOf(request).includes('Scenario S1'))!;
    expect(promptOf(flow)).toMatch(/\[Documents\]\n\[Document 1 \| id=\w+-\w+_0\]/);
    expect(flow.body.response_format.json_schema.schema.properties.eligible_patterns.items.enum).toContain('rag/unanswerable');
    const user = requests.find((request) => formatOf(request) === 'rag_user_turn' && promptOf(request).includes('Question S1 t1?'))!;
    expect(systemOf(user)).toContain('Hint: Ask one specific fact.');
    expect(systemOf(user)).toContain('How this turn goes (interaction pattern): rag/factoid');
    expect(systemOf(user)).toMatch(/Your persona:\nRole: /);
    expect(systemOf(user)).toMatch(/Documents your questions can draw on:\n\[Document 1 \| id=/);
    expect(user.body.messages.slice(1, 3).map((message: { role: string }) => message.role)).toEqual(['assistant', 'user']);
    expect(user.body.response_format.json_schema.schema.required).toEqual(['reasoning', 'proposed_utterance', 'verification', 'verification_reasoning', 'utterance']);
    const rewrite = requests.find((request) => promptOf(request).includes('[REWRITE REQUEST]') && promptOf(request).includes('S1'))!;
    expect(systemOf(rewrite)).toMatch(/^You are a helpful AI assistant\. Answer only from the documents below\.[\s\S]*Context documents:\n\[Document 1 \| id=/);
    expect(promptOf(rewrite)).toContain('The fee is made up.');
    expect(rewrite.body.messages.at(-2)).toEqual({ role: 'assistant', content: 'Answer for S1.' });
    const critique = requests.find((request) => formatOf(request) === 'rag_critique')!;
    expect(critique.body.response_format.json_schema.schema.properties.valid.enum).toEqual(['yes', 'no']);
    expect(critique.body.messages.at(-1).role).toBe('user');
  });

  test('bad task fields exit 2 naming the task file and field, before any LM call', async () => {
    const cases: { edit: (task: Record<string, any>) => void; field: string; message: string }[] = [
      // DGT's live task: its assistant stage does live retrieval.
      { edit: (task) => (task.iteration_stages[2] = { name: 'lm/assistant/rag', generator: 'generator' }), field: 'iteration_stages.2.name', message: 'live retrieval' },
      { edit: (task) => (task.tools.engines.web = { type: 'search/web/duckduckgo', limit: 3 }), field: 'tools.engines.web.type', message: 'rxdgt does not do live web search' },
      { edit: (task) => (task.tools.engines.es = { type: 'search/elasticsearch', index: 'docs' }), field: 'tools.engines.es.type', message: 'not available' },
      { edit: (task) => (task.tools.engines.file_retriever.path = '../documents.jsonl'), field: 'tools.engines.file_retriever.path', message: "lies outside the task's folder and DGT's data folder" },
      { edit: (task) => (task.tools.engines.file_retriever.path = 'missing.jsonl'), field: 'tools.engines.file_retriever.path', message: 'cannot read the corpus file' },
      { edit: (task) => (task.tools.engines.file_retriever.top_k = 3), field: 'tools.engines.file_retriever.top_k', message: 'search engine `search/file`' },
      { edit: (task) => (task.initialization_stages[0].document_samplers[0].engine = 'kb'), field: 'initialization_stages.0.document_samplers.0.engine', message: "no search engine named `kb` in the task's `tools.engines` (known: file_retriever)" },
      { edit: (task) => (task.initialization_stages[0].document_samplers[0].type = 'random'), field: 'initialization_stages.0.document_samplers.0.type', message: 'unknown document sampler `random` (known: search/random)' },
      { edit: (task) => (task.initialization_stages[0].document_samplers[0].weight = 0.5), field: 'initialization_stages.0.document_samplers', message: 'sum to 1, they sum to 0.5' },
      { edit: (task) => (task.initialization_stages[0].k = 0), field: 'initialization_stages.0.k', message: '' },
    ];
    const original = parse(readFileSync(join(sample, 'task.yaml'), 'utf8')) as Record<string, any>;
    for (const { edit, field, message } of cases) {
      const dir = tempDir();
      const folder = join(dir, 'task');
      mkdirSync(folder);
      for (const file of ['documents.jsonl', 'personas.jsonl']) copyFileSync(join(sample, file), join(folder, file));
      copyFileSync(join(sample, 'documents.jsonl'), join(dir, 'documents.jsonl'));
      const task = structuredClone(original);
      edit(task);
      const path = join(folder, 'task.yaml');
      writeFileSync(path, stringify(task));
      await expect(prepareRun({ taskPaths: [path], outputDir: join(dir, 'out'), env: {}, cwd: dir }), field).rejects.toThrow(
        expect.objectContaining({ name: 'ConfigError', file: path, field, message: expect.stringContaining(message) }),
      );
    }
    // Through the CLI: exit 2, one line naming the file and field, nothing written.
    const dir = tempDir();
    const task = structuredClone(original);
    task.tools.engines.web = { type: 'search/web/google_serper' };
    writeFileSync(join(dir, 'task.yaml'), stringify(task));
    for (const file of ['documents.jsonl', 'personas.jsonl']) copyFileSync(join(sample, file), join(dir, file));
    const cli = await runCli(['run', '--task-paths', join(dir, 'task.yaml'), '--output-dir', join(dir, 'out')]);
    expect(cli.code).toBe(2);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toContain(`${join(dir, 'task.yaml')}: field \`tools.engines.web.type\`: search engine \`search/web/google_serper\` is a live web search: rxdgt does not do live web search`);
    expect(existsSync(join(dir, 'out', 'samples', 'rag', 'city_services', 'data.jsonl'))).toBe(false);
  });

  test('its builder YAML matches DGT: one ollama granite4:3b generator', async () => {
    expect(findBuilder('public/rag/conversation', undefined)).toBe(ragConversation);
    const spec = await loadBuilderSpec(ragConversation.yamlPath);
    expect(spec.blocks.map((block) => [block.name, block.type, block['model_id_or_path']])).toEqual([['generator', 'ollama', 'granite4:3b']]);
    const blocks = resolveBlocks(spec, (_name, index) => ({ file: ragConversation.yamlPath, field: `blocks.${index}` }));
    expect(blocks.engines.has('generator')).toBe(true);
  });
});
