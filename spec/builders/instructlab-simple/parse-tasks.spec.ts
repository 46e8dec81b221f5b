import { describe, expect, test } from 'vitest';
import { parseTasks } from '../../../builders/instructlab-simple/parse-tasks.ts';

const task = (instruction: string, input = '<noinput>', output = 'An answer.') => `** Instruction\n${instruction}\n** Input\n${input}\n** Output\n${output}\n`;

describe('parseTasks', () => {
  test('reads the task the answer continues, and the ones after it, with <noinput> read as empty', () => {
    const answer = `${task('Who arrived first at the station today?')}* Task 4\n** Instruction: Order these three trips by date.\n** Input: Rome 2019, Oslo 2017, Lima 2021\n** Output: Oslo, Rome, Lima.`;
    expect(parseTasks(2, answer)).toEqual({
      tasks: [
        { instruction: 'Who arrived first at the station today?', input: '', output: 'An answer.' },
        { instruction: 'Order these three trips by date.', input: 'Rome 2019, Oslo 2017, Lima 2021', output: 'Oslo, Rome, Lima.' },
      ],
      discarded: [],
    });
  });

  test('sets aside garbled tasks and those DGT filters, each with its reason', () => {
    const answer = [
      'Sorry, I cannot help with that.',
      `* Task 4\n${task('Too short here')}`,
      `* Task 5\n${task('Describe the image of the sunset over the harbour.')}`,
      `* Task 6\n${task('Write a program that sorts events by their date.')}`,
      `* Task 7\n${task('"Quoted" instructions are set aside by the filter.')}`,
      `* Task 8\n${task('Économisez: which event came second in the list?')}`,
      `* Task 9\n** Instruction\nOnly an instruction, with no other sections.`,
    ].join('\n');
    const { tasks, discarded } = parseTasks(2, answer);
    expect(tasks).toEqual([]);
    expect(discarded.map((entry) => entry.code)).toEqual([
      'format_mismatch',
      'instruction_length',
      'denylisted_word',
      'write_a_program',
      'leading_punctuation',
      'leading_non_ascii',
      'format_mismatch',
    ]);
    expect(discarded[0]).toMatchObject({ reason: /found 0/, text: 'Sorry, I cannot help with that.' });
    expect(discarded[1]!.reason).toBe('the instruction has 3 words (it needs 4 to 150)');
    expect(discarded[2]!.reason).toMatch(/"image"/);
    expect(discarded[6]!.reason).toMatch(/found 1 \(\*\* Instruction\)/);
  });

  test('an empty answer has no task', () => {
    expect(parseTasks(3, '  \n')).toEqual({ tasks: [], discarded: [] });
  });
});
