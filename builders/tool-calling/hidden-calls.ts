import { type JsonObject, isObject } from '../../lib/blocks/utilities/tool-call-grounding.ts';

function refers(target: string, value: unknown): boolean {
  if (Array.isArray(value)) return value.some((item) => refers(target, item));
  if (isObject(value)) return Object.values(value).some((item) => refers(target, item));
  return typeof value === 'string' && value.startsWith(target);
}

/**
 * DGT's `_split_tool_calls` (the user stage's "implicit" calls): the ids of calls the assistant makes on its own to
 * feed later calls, hidden from the user's request. Only calls whose output another call uses can be hidden; from
 * those, between 1 and all are drawn, dependencies first (a call is drawable once every call it uses is drawn).
 *
 * ## Example
 * ```ts
 * hiddenCallIds([{ name: 'find_user', arguments: { email: 'a@b.c' }, id: '$1' }, { name: 'get_orders', arguments: { user_id: '$1.id' }, id: '$2' }], random);
 * // ['$1']
 * ```
 */
export function hiddenCallIds(calls: readonly JsonObject[], random: () => number): string[] {
  const uses = new Map(calls.map((call) => [String(call['id']), new Set<string>()]));
  for (const user of calls) {
    if (!isObject(user['arguments'])) continue;
    // DGT keeps the first call each one uses directly, then closes the relation transitively.
    const used = calls.find((other) => other !== user && refers(String(other['id']), user['arguments']));
    if (used) uses.get(String(user['id']))!.add(String(used['id']));
  }
  let grew = true;
  while (grew) {
    grew = false;
    for (const deps of uses.values()) {
      for (const dep of [...deps]) {
        for (const further of uses.get(dep) ?? []) {
          if (!deps.has(further)) {
            deps.add(further);
            grew = true;
          }
        }
      }
    }
  }
  const usedByOthers = (id: string): boolean => [...uses.values()].some((deps) => deps.has(id));
  const candidates = new Map([...uses].filter(([id]) => usedByOthers(id)));
  const wanted = 1 + Math.floor(random() * Math.max(candidates.size, 1));
  const hidden: string[] = [];
  while (hidden.length < wanted) {
    const frontier = [...candidates].filter(([, deps]) => deps.size === 0).map(([id]) => id);
    if (frontier.length === 0) break;
    const choice = frontier[Math.floor(random() * frontier.length)]!;
    hidden.push(choice);
    candidates.delete(choice);
    for (const deps of candidates.values()) deps.delete(choice);
  }
  return hidden;
}
