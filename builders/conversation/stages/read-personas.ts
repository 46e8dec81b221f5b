import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { bigFiveProfile } from '../../../lib/conversation/conversation-from-record.ts';
import type { PersonaStep } from '../../../lib/conversation/conversation.ts';
import { errorMessage } from '../../../lib/error-message.ts';
import type { ConfigError } from '../../../lib/errors/config-error.ts';
import { hash32, seededRandom } from '../../../lib/random.ts';

/** A persona record (DGT's `PersonaSpec`), as the persona step's fields. */
export type Persona = Pick<PersonaStep, 'persona_role' | 'expertise' | 'domain' | 'goals' | 'personality' | 'style_override'>;

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/**
 * Reads a persona file (`.jsonl`, `.json` or `.yaml`): each record's `role`, `expertise`, `domain`, `goals`,
 * `personality` (OCEAN; missing dimensions drawn once, seeded by the path) and `style_override`; other keys are
 * ignored. `found` is the file, resolved by the task (its folder, or DGT's data folder: `BuilderTask.resolvePath`).
 * @throws {ConfigError} (made by `fail`) when the file is missing, unreadable, malformed or holds no persona
 */
export function readPersonas(found: string, fail: (message: string) => ConfigError): Persona[] {
  if (!existsSync(found)) throw fail(`no persona file at \`${found}\``);
  let records: unknown[];
  try {
    const source = readFileSync(found, 'utf8');
    const extension = extname(found).toLowerCase();
    if (extension === '.jsonl') records = source.split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line) as unknown);
    else if (extension === '.json' || extension === '.yaml' || extension === '.yml') records = [parseYaml(source) as unknown].flat();
    else throw new Error(`expected a .jsonl, .json or .yaml file, got \`${extension || 'no extension'}\``);
  } catch (error) {
    throw fail(`cannot read the persona file \`${found}\`: ${errorMessage(error)}`);
  }
  const random = seededRandom(hash32('personas', found));
  const personas = records.filter((record): record is Record<string, unknown> => typeof record === 'object' && record !== null && !Array.isArray(record)).map((record) => ({
    persona_role: text(record['role']),
    expertise: text(record['expertise']),
    domain: text(record['domain']),
    goals: Array.isArray(record['goals']) ? record['goals'].map(String) : [],
    personality: bigFiveProfile(record['personality'], random),
    style_override: text(record['style_override']),
  }));
  if (personas.length === 0) throw fail(`the persona file \`${found}\` holds no persona record`);
  return personas;
}
