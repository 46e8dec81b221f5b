import { type JsonObject, isObject, normalizeText } from '../../lib/blocks/utilities/tool-call-grounding.ts';

/*
 * The structural checks DGT's planner and verifier run on a list of tool calls (`{ name, arguments, id }`, ids
 * `$1`, `$2`, ... and nested references `$1.output_field`).
 */

const isReference = (value: unknown): boolean => typeof value === 'string' && value.startsWith('$');

/**
 * DGT's `syntax_check` of planned calls: every call is an object with exactly `name`, `arguments` (an object) and
 * `id` (a text). Gives the problem, or undefined.
 */
export function syntaxProblem(calls: readonly unknown[]): string | undefined {
  for (const [index, call] of calls.entries()) {
    if (!isObject(call)) return `call ${index + 1} is not an object`;
    const keys = Object.keys(call).sort().join(',');
    if (keys !== 'arguments,id,name') return `call ${index + 1} has the keys ${Object.keys(call).join(', ') || 'none'}, expected exactly name, arguments and id`;
    if (typeof call['id'] !== 'string') return `call ${index + 1} has an \`id\` that is not a text`;
    if (!isObject(call['arguments'])) return `call ${index + 1} has \`arguments\` that are not an object`;
  }
  return undefined;
}

/** Whether a value (or anything inside it) is a string starting with `target`. */
function refers(target: string, value: unknown): boolean {
  if (Array.isArray(value)) return value.some((item) => refers(target, item));
  if (isObject(value)) return Object.values(value).some((item) => refers(target, item));
  return typeof value === 'string' ? value.startsWith(target) : false;
}

/** Rewrites `$<old>` ids, and references to them, so the calls are numbered on from the context's highest id. */
export function renumberCalls(calls: readonly JsonObject[], contextIds: readonly string[] = []): JsonObject[] {
  const start = Math.max(0, ...contextIds.map((id) => Number.parseInt(id.replace('$', ''), 10)).filter(Number.isFinite)) + 1;
  const mapping = new Map<string, string>();
  for (const call of calls) mapping.set(String(call['id']), `$${mapping.size + start}`);
  const substitute = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(substitute);
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [substitute(key) as string, substitute(inner)]));
    if (typeof value !== 'string') return value;
    for (const [from, to] of mapping) if (value === from || value.startsWith(`${from}.`)) return value.replace(from, to);
    return value;
  };
  return calls.map((call) => substitute(call) as JsonObject);
}

/**
 * DGT's `extract_largest_connected_component`: links calls that use each other's output (`$<id>.`), takes the
 * largest group with at least `minimumSize` new calls (the context's calls count as links but are not returned),
 * and renumbers it after the context. Empty when no group is large enough.
 *
 * ## Example
 * ```ts
 * largestConnectedComponent([{ name: 'a', arguments: { x: 1 }, id: '$1' }, { name: 'b', arguments: { y: '$1.z' }, id: '$2' }, { name: 'c', arguments: { q: 2 }, id: '$3' }]);
 * // the calls $1 and $2
 * ```
 */
export function largestConnectedComponent(calls: readonly JsonObject[], context: readonly JsonObject[] = [], minimumSize = 2): JsonObject[] {
  const contextIds = context.map((call) => String(call['id']));
  const all = [...context, ...calls];
  const ids = all.map((call) => String(call['id']));
  const links = new Map(ids.map((id) => [id, new Set<string>()]));
  for (const user of all) {
    if (!isObject(user['arguments'])) continue;
    for (const used of all) {
      if (user === used || !refers(`${String(used['id'])}.`, user['arguments'])) continue;
      links.get(String(user['id']))!.add(String(used['id']));
      links.get(String(used['id']))!.add(String(user['id']));
    }
  }
  const seen = new Set<string>();
  const components: string[][] = [];
  for (const id of ids) {
    if (seen.has(id)) continue;
    const component: string[] = [];
    const frontier = [id];
    while (frontier.length > 0) {
      const next = frontier.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      component.push(next);
      frontier.push(...[...links.get(next)!].filter((other) => !seen.has(other)));
    }
    components.push(component.sort((left, right) => ids.indexOf(left) - ids.indexOf(right)));
  }
  const large = components.filter((component) => component.filter((id) => !contextIds.includes(id)).length >= minimumSize);
  const kept = large.reduce<string[]>((best, component) => (component.length > best.length ? component : best), []);
  const byId = new Map(all.map((call) => [String(call['id']), call]));
  return renumberCalls(kept.filter((id) => !contextIds.includes(id)).map((id) => byId.get(id)!), contextIds);
}

/** DGT's `get_leaves`: the distinct literal argument values of the calls (not references, not booleans). */
export function leavesOf(calls: readonly JsonObject[]): unknown[] {
  const leaves = new Map<string, unknown>();
  for (const call of calls) {
    for (const value of Object.values((call['arguments'] as JsonObject | undefined) ?? {})) {
      if (isReference(value) || typeof value === 'boolean') continue;
      leaves.set(typeof value === 'string' ? value : JSON.stringify(value), value);
    }
  }
  return [...leaves.values()];
}

/**
 * DGT's complexity checks of a plan: at most one call without a literal argument, and not every call's literal
 * arguments inside those of the largest one (duplicated arguments). Gives the problem, or undefined.
 */
export function complexityProblem(calls: readonly JsonObject[]): string | undefined {
  const argumentSets = calls.map(
    (call) => new Set(Object.values((call['arguments'] as JsonObject | undefined) ?? {}).filter((value) => !isReference(value)).map((value) => (typeof value === 'string' ? value : JSON.stringify(value)))),
  );
  if (argumentSets.filter((set) => set.size === 0).length > 1) return 'more than one call has no literal argument (too simple)';
  const filled = argumentSets.filter((set) => set.size > 0);
  const largest = filled.reduce<Set<string>>((best, set) => (set.size > best.size ? set : best), new Set());
  if (filled.length > 1 && filled.every((set) => [...set].every((value) => largest.has(value)))) return 'the calls repeat the same literal arguments';
  return undefined;
}

/** DGT's `normalize_str`: lowercase letters, digits and spaces of a value's text. */
export const normalizeValue = normalizeText;
