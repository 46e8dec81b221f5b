/** One task the model wrote: its instruction, input (`''` for DGT's `<noinput>`) and output. */
export interface ParsedTask {
  readonly instruction: string;
  readonly input: string;
  readonly output: string;
}

/** A task of the answer that was set aside, with DGT's reason for it. */
export interface DiscardedTask {
  /** snake_case: `format_mismatch`, `instruction_length`, `denylisted_word`, `write_a_program`, `leading_punctuation`, `leading_non_ascii`. */
  readonly code: string;
  readonly reason: string;
  /** The task's text as the model wrote it. */
  readonly text: string;
}

/** Words that ask for something a text model cannot do (DGT's list): an instruction naming one is discarded. */
const deniedWords = ['image', 'images', 'graph', 'graphs', 'picture', 'pictures', 'file', 'files', 'map', 'maps', 'draw', 'plot', 'go to', 'video', 'audio', 'music', 'flowchart', 'diagram'];
const deniedPatterns = deniedWords.map((word) => ({ word, pattern: new RegExp(`\\b${word}\\b`, 'i') }));
const punctuation = /^[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;

/** Why an instruction is discarded, or undefined when it is kept. */
function problemOf(instruction: string): Omit<DiscardedTask, 'text'> | undefined {
  const words = instruction.split(/\s+/).filter(Boolean).length;
  if (words <= 3 || words > 150) return { code: 'instruction_length', reason: `the instruction has ${words} words (it needs 4 to 150)` };
  const denied = deniedPatterns.find(({ pattern }) => pattern.test(instruction));
  if (denied) return { code: 'denylisted_word', reason: `the instruction names "${denied.word}", which a text model cannot work with` };
  if (instruction.startsWith('Write a program')) return { code: 'write_a_program', reason: 'the instruction begins with "Write a program"' };
  if (punctuation.test(instruction)) return { code: 'leading_punctuation', reason: 'the instruction begins with punctuation' };
  if (instruction.codePointAt(0)! > 0x7f) return { code: 'leading_non_ascii', reason: 'the instruction begins with a non-ASCII character' };
  return undefined;
}

/**
 * Reads the tasks of an answer to the simple builder's prompt, as DGT's instructlab post-processing does. The prompt
 * ended with `* Task <examples + 1>`, so the answer starts inside that task: the text is split on `* Task <n>`
 * headings, and each part must hold `** Instruction`, `** Input` and `** Output` sections (a colon after each is
 * allowed). Tasks with an instruction of 3 words or fewer (or over 150), a denylisted word (image, file, map, ...),
 * a leading "Write a program", punctuation or non-ASCII character are discarded, with the reason.
 *
 * ## Example
 * ```ts
 * parseTasks(2, '** Instruction\nOrder these three events by date.\n** Input\n<noinput>\n** Output\nFirst the...\n');
 * // { tasks: [{ instruction: 'Order these three events by date.', input: '', output: 'First the...' }], discarded: [] }
 * ```
 */
export function parseTasks(examples: number, answer: string): { tasks: ParsedTask[]; discarded: DiscardedTask[] } {
  const tasks: ParsedTask[] = [];
  const discarded: DiscardedTask[] = [];
  for (const part of `* Task ${examples + 1}\n${answer}`.split(/\* Task \d+/)) {
    if (!part.trim()) continue;
    const sections = part.split(/\*\*\s+(?:Instruction|Input|Output):?/);
    const headings = part.match(/\*\*\s+(?:Instruction|Input|Output):?/g) ?? [];
    if (sections.length !== 4) {
      const reason = `expected the three sections "** Instruction", "** Input" and "** Output", found ${headings.length}${headings.length ? ` (${headings.map((heading) => heading.replace(/\s+/, ' ').replace(/:$/, '')).join(', ')})` : ''}`;
      discarded.push({ code: 'format_mismatch', reason, text: part.trim() });
      continue;
    }
    const [, instruction, input, output] = sections.map((section) => section.trim()) as [string, string, string, string];
    const problem = problemOf(instruction);
    if (problem) {
      discarded.push({ ...problem, text: part.trim() });
      continue;
    }
    tasks.push({ instruction, input: input.toLowerCase() === '<noinput>' ? '' : input, output });
  }
  return { tasks, discarded };
}
