/**
 * DGT's own builder YAMLs (the block names, types and fields of each `<builder>.yaml` under `fms_dgt` in IBM/fms-dgt, comments
 * left out), found through `--include-builder-paths <fms-dgt>/fms_dgt`: each one loads and resolves with rxdgt's code
 * for that builder, as a DGT user's folder would.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import type { z } from 'zod';
import { discoverBuilders } from '../lib/builder-paths.ts';
import { resolveBlocks } from '../lib/builder-registry.ts';
import { type BuilderSpec, builderSpecSchemaWith, loadBuilderSpec } from '../lib/config/builder-spec.ts';
import { tempDir } from './helpers/temp-dir.ts';

const dgtBuilderYamls: readonly (readonly [string, string])[] = [
  ["fms_dgt/core/databuilders/conversation/conversation.yaml", "name: core/conversation\nblocks:\n  - name: generator\n    type: ollama\n    model_id_or_path: granite4:3b\n    temperature: 0.0\n    max_tokens: 2048\n    num_ctx: 8192\nmax_workers: 2\nmetadata:\n  version: 1.0\n"],
  ["fms_dgt/public/databuilders/instructlab/knowledge/knowledge.yaml", "name: instructlab/knowledge\nblocks:\n  - name: generator\n    type: watsonx\n    model_id_or_path: mistralai/mistral-medium-2505\n    temperature: 0.5\n    max_new_tokens: 1024\n  - name: validator\n    type: lm_judge\n    filter: true\n    lm_config:\n      type: watsonx\n      model_id_or_path: mistralai/mistral-medium-2505\n      temperature: 0.5\n      max_new_tokens: 1024\n  - name: tagger\n    type: magpie_tag\n    input_map:\n      question: magpie_input\n      answer: magpie_output\n    output_map:\n      magpie_tags: tags\n    lm_config:\n      type: watsonx\n      model_id_or_path: mistralai/mistral-medium-2505\n      temperature: 0.0\n      max_new_tokens: 512\n      stop: [\"Q:\"]\n    tag_task: all\n  - name: dedup\n    type: magpie_distance\n    input_map:\n      question: magpie_input\n      tags: magpie_tags\n    output_map:\n      magpie_tags: tags\n  - name: filter\n    type: magpie_filter\n    filter: true\n    filter_type: all\n    filter_criteria:\n      input_quality: [\"good\", \"excellent\"]\n      sample_quality: [\"4\", \"5\"]\n    remove_duplicates: True\n    input_map:\n      question: magpie_input\n      answer: magpie_output\n      tags: field\npostprocessors:\n  - name: dedup\n  - name: filter\nmetadata:\n  version: 2025.09.19\n"],
  ["fms_dgt/public/databuilders/instructlab/simple/simple.yaml", "name: public/instructlab/simple\nblocks:\n  - name: generator\n    type: ollama\n    model_id_or_path: granite4:3b\n    temperature: 0.0\n    max_tokens: 512\n    num_ctx: 8192\n  - name: validator\n    type: noop\n  - name: rouge_val\n    type: rouge_scorer\n    filter: true\n    threshold: 1.0\npostprocessors:\n  - name: rouge_val\nmetadata:\n  version: 1.0\n"],
  ["fms_dgt/public/databuilders/instructlab/skills/skills.yaml", "name: instructlab/skills\nblocks:\n  - name: generator\n    type: watsonx\n    model_id_or_path: mistralai/mistral-medium-2505\n    temperature: 0.5\n    max_new_tokens: 1024\n  - name: validator\n    type: lm_judge\n    filter: true\n    lm_config:\n      type: watsonx\n      model_id_or_path: mistralai/mistral-medium-2505\n      temperature: 0.5\n      max_new_tokens: 1024\n  - name: tagger\n    type: magpie_tag\n    input_map:\n      instruction: magpie_input\n      response: magpie_output\n    output_map:\n      magpie_tags: tags\n    lm_config:\n      type: watsonx\n      model_id_or_path: mistralai/mistral-medium-2505\n      temperature: 0.0\n      max_new_tokens: 512\n      stop: [\"Q:\"]\n    tag_task: all\n  - name: dedup\n    type: magpie_distance\n    input_map:\n      instruction: magpie_input\n      tags: magpie_tags\n    output_map:\n      magpie_tags: tags\n  - name: filter\n    type: magpie_filter\n    filter: true\n    filter_type: all\n    filter_criteria:\n      input_quality: [\"good\", \"excellent\"]\n      sample_quality: [\"4\", \"5\"]\n    remove_duplicates: True\n    input_map:\n      instruction: magpie_input\n      response: magpie_output\n      tags: field\n      id: id\npostprocessors:\n  - name: dedup\n  - name: filter\nmetadata:\n  version: 2025.09.19\n"],
  ["fms_dgt/public/databuilders/magpie/magpie.yaml", "name: magpie\nblocks:\n  - name: tagger\n    type: magpie_tag\n    input_map:\n      question: magpie_input\n      answer: magpie_output\n      messages: magpie_mt_input\n    lm_config:\n      type: ollama\n      model_id_or_path: granite3.3:2b\n      temperature: 0.0\n      max_new_tokens: 512\n      stop: [\"Q:\"]\n    tag_task: all\n  - name: dedup\n    type: magpie_distance\n    input_map:\n      question: magpie_input\n      messages: magpie_mt_input\n      magpie_tags: magpie_tags\n      id: id\n  - name: filter\n    type: magpie_filter\n    filter: true\n    filter_type: all\n    filter_criteria:\n      input_quality: [\"good\", \"excellent\"]\n      sample_quality: [\"4\", \"5\"]\n    remove_duplicates: True\n    input_map:\n      question: magpie_input\n      answer: magpie_output\n      messages: magpie_mt_input\n      magpie_tags: field\n      id: id\n"],
  ["fms_dgt/public/databuilders/rag/rag.yaml", "name: public/rag/conversation\nblocks:\n  - name: generator\n    type: ollama\n    model_id_or_path: granite4:3b\nmax_workers: 2\n"],
  ["fms_dgt/public/databuilders/safety/refusal/refusal.yaml", "name: public/safety/refusal\nblocks:\n  - name: instruction_generator\n    type: ollama\n    model_id_or_path: granite4:3b\n    temperature: 0.7\n    max_tokens: 1024\n  - name: dedup\n    type: rouge_scorer\n    filter: true\n    threshold: 0.7\n  - name: response_generator\n    type: ollama\n    model_id_or_path: granite4:3b\n    temperature: 0.0\n    max_tokens: 512\n  - name: granite_guardian\n    type: validators/granite_guardian\n    model_version: \"3.3\"\n    filter: false\n    lm_config:\n      type: openai\n      base_url: http://localhost:11434/v1\n      api_key: ollama\n      model_id_or_path: hf.co/ibm-granite/granite-guardian-3.3-8b-GGUF:Q4_K_M\n"],
  ["fms_dgt/public/databuilders/tool_calling/multi_turn/stateless/multi_turn_tool_calling.yaml", "name: tool_calling/multi_turn/stateless\nblocks:\n  - name: generator\n    type: openai\n    model_id_or_path: openai/gpt-oss-20b\n    n: 8\n    temperature: 1.0\n    max_tokens: 4096\n    batch_size: 256\n    call_limit: 256\n"],
];

afterEach(() => vi.unstubAllEnvs());

test("every builder YAML of DGT's package folder loads and resolves with rxdgt's builder of that name", async () => {
  const root = tempDir();
  for (const [path, text] of dgtBuilderYamls) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  // DGT's defaults name watsonx, a local sentence model and an OpenAI endpoint: what a user sets for them.
  vi.stubEnv('RXDGT_EMBEDDINGS_URL', 'http://127.0.0.1:9/v1');
  vi.stubEnv('WATSONX_API_KEY', 'k');
  vi.stubEnv('WATSONX_PROJECT_ID', 'p');
  vi.stubEnv('WATSONX_URL', 'http://127.0.0.1:9');
  vi.stubEnv('OPENAI_API_KEY', 'k');
  const found = await discoverBuilders([join(root, 'fms_dgt')]);
  expect(found.map((definition) => definition.name).sort()).toEqual([
    'core/conversation',
    'instructlab/knowledge',
    'instructlab/skills',
    'magpie',
    'public/instructlab/simple',
    'public/rag/conversation',
    'public/safety/refusal',
    'tool_calling/multi_turn/stateless',
  ]);
  for (const definition of found) {
    expect(definition.yamlPath.startsWith(join(root, 'fms_dgt'))).toBe(true);
    const schema = definition.builderFields ? (builderSpecSchemaWith(definition.builderFields) as unknown as z.ZodType<BuilderSpec>) : undefined;
    const spec = await loadBuilderSpec(definition.yamlPath, schema);
    const blocks = resolveBlocks(spec, (_name, index) => ({ file: definition.yamlPath, field: `blocks.${index}` }), undefined, { directory: dirname(definition.yamlPath), kind: definition.kind });
    expect(blocks.directory, definition.name).toBe(dirname(definition.yamlPath));
  }
});
