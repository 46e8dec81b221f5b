/**
 * Reading one utterance of a Magpie multi-turn input (`magpie_mt_input`), as DGT's Magpie blocks take it: the
 * speaker under `from`, `role` or `speaker`, the text under `value`, `content` or `text` (first found wins).
 */

/** One utterance: its speaker and text, each undefined when the utterance has no such key. */
export interface Turn {
  readonly role: string | undefined;
  readonly text: string | undefined;
  /** The utterance as given, for reasons. */
  readonly source: unknown;
}

const roleKeys = ['from', 'role', 'speaker'] as const;
const textKeys = ['value', 'content', 'text'] as const;

function firstOf(utterance: Readonly<Record<string, unknown>>, keys: readonly string[]): string | undefined {
  const key = keys.find((candidate) => candidate in utterance);
  if (key === undefined) return undefined;
  const value = utterance[key];
  return typeof value === 'string' ? value : value == null ? '' : String(value);
}

/** The turns of a conversation; anything but an object counts as a turn with no role and no text. */
export function turnsOf(messages: readonly unknown[]): Turn[] {
  return messages.map((utterance) => {
    if (typeof utterance !== 'object' || utterance === null) return { role: undefined, text: undefined, source: utterance };
    const fields = utterance as Readonly<Record<string, unknown>>;
    return { role: firstOf(fields, roleKeys), text: firstOf(fields, textKeys), source: utterance };
  });
}

/** Whether a speaker is the assistant (DGT also takes `agent`). */
export function isAssistant(role: string | undefined): boolean {
  return role === 'assistant' || role === 'agent';
}
