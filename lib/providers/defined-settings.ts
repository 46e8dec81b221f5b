/**
 * Only the settings that are set, for factories typed with exact optional properties.
 *
 * ## Example
 * ```ts
 * definedSettings({ baseURL: undefined, apiKey: 'k' }); // { apiKey: 'k' }
 * ```
 */
export function definedSettings<T extends Record<string, unknown>>(settings: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
