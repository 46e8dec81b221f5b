/** The request both default templates share, in Jinja: `taxonomy`, `task_description` and `document` (or none). */
const request = `Invent 5 new and varied tasks for the skill {{ taxonomy }}{% if task_description %} ("{{ task_description }}"){% endif %}. A language model will be asked to carry out each task, and its answers will be graded.

Rules for the tasks:
1. Vary the leading verb from one task to the next.
2. Vary the phrasing: mix direct questions with commands.
{% if document -%}
3. Keep to the kind of task the examples show, and base every instruction and its output on the document below.
{% else -%}
3. Stay on the topic and category of the examples; do not drift to other subjects.
{% endif -%}
4. Only ask for what a text model can do: no pictures, sounds or drawings, and no actions in the world such as setting an alarm.
5. Write in English.
6. Keep each instruction to one or two sentences, a question or a command.
{% if document -%}
7. Write a full, detailed output that answers the instruction from the document.
{% else -%}
7. Give each instruction a concrete input with realistic content (no placeholders), of at most about 100 words.
8. When an instruction needs no input (a general question, for instance), write <noinput> as its input.
9. Write an output that answers the instruction and its input in under 100 words.
{% endif %}
Use exactly the layout of the tasks below: a "* Task <number>" heading, then "** Instruction", "** Input" and "** Output" sections.
{% if document %}
Document:
{{ document }}

Example tasks about this document:
{% else %}
Tasks:
{% endif %}`;

/** The default for most models. */
const plain = request;

/** The default for Mistral and Llama models: the request inside their `[INST]` markers. */
const instructionTagged = `<s> [INST] You are a careful assistant who helps write training tasks.\n${request}[/INST]`;

/**
 * The simple builder's default prompt template (Jinja) when no `--prompt-file-path` is given: as DGT picks its
 * default by model family, a model whose id contains `mistral` or `llama` gets the `[INST]`-tagged one.
 *
 * ## Example
 * ```ts
 * defaultPromptTemplate('mistralai/Mixtral-8x7B-Instruct-v0.1').startsWith('<s> [INST]'); // true
 * ```
 */
export function defaultPromptTemplate(modelId: string): string {
  return modelId.includes('mistral') || modelId.includes('llama') ? instructionTagged : plain;
}
