/**
 * Test fixtures in the shape of DGT's `configs/public/examples/*.yaml` joint configs (relative path → text): an
 * LLM block override per builder, and a task override that clears the inline seeds (`seed_examples: null`) in
 * favour of a seed datastore. The chit-chat one also carries a builder-level key (`data_builder`).
 */
export const dgtExampleConfigs: Record<string, string> = {
  'configs/public/examples/openai_qa.yaml': `databuilders:
  public/examples/geography_qa:
    blocks:
      - name: generator
        type: openai
        model_id_or_path: gpt-4o-mini

tasks:
  public/examples/geography_qa:
    seed_examples: null
    seed_datastore:
      type: default
      data_path: \${DGT_DATA_DIR}/public/examples/qa/seed_examples.jsonl
`,
  'configs/public/examples/openai_chit_chat.yaml': `databuilders:
  public/examples/chit_chat:
    data_builder: core/conversation
    blocks:
      - name: generator
        type: openai
        model_id_or_path: gpt-4o-mini

tasks:
  public/examples/chit_chat:
    seed_examples: null
    seed_datastore:
      type: default
      data_path: \${DGT_DATA_DIR}/public/examples/chit_chat/seed_examples.jsonl
`,
};
