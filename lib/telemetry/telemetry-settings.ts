import { resolve } from 'node:path';
import type { Env } from '../config/expand-env.ts';
import { ConfigError } from '../errors/config-error.ts';

/** Where and what the telemetry files record, from DGT's `DGT_TELEMETRY_*` variables. */
export interface TelemetrySettings {
  /** `DGT_TELEMETRY_DISABLE`: nothing is written and the folder is never made. @default false */
  readonly disabled: boolean;
  /** `DGT_TELEMETRY_DIR`, resolved against the working directory. @default '<cwd>/telemetry' */
  readonly dir: string;
  /** `DGT_TELEMETRY_RECORD_PAYLOADS`: LM call spans carry their prompt or messages and completion. @default false */
  readonly recordPayloads: boolean;
  /** `DGT_TELEMETRY_PAYLOAD_MAX_CHARS`: the longest a recorded payload text may be. @default 4096 */
  readonly payloadMaxChars: number;
}

const yes = new Set(['1', 'true', 'yes']);
const no = new Set(['', '0', 'false', 'no']);

/** A DGT on/off variable: `1`, `true`, `yes` (any case) are on; unset, empty, `0`, `false`, `no` are off. */
function flag(env: Env, name: string): boolean {
  const value = (env[name] ?? '').trim().toLowerCase();
  if (yes.has(value)) return true;
  if (no.has(value)) return false;
  throw new ConfigError(`environment variable \`${name}\`: expected 1, true or yes (or 0, false, no), received "${env[name]}"`, { field: name });
}

/**
 * The telemetry settings DGT reads from its environment variables: `DGT_TELEMETRY_DISABLE`, `DGT_TELEMETRY_DIR`,
 * `DGT_TELEMETRY_RECORD_PAYLOADS` and `DGT_TELEMETRY_PAYLOAD_MAX_CHARS`. A value that is not one of those expected is
 * an error naming the variable, not a silent default.
 *
 * ## Example
 * ```ts
 * telemetrySettingsFromEnv({ DGT_TELEMETRY_RECORD_PAYLOADS: 'yes' }, '/work');
 * // { disabled: false, dir: '/work/telemetry', recordPayloads: true, payloadMaxChars: 4096 }
 * telemetrySettingsFromEnv({ DGT_TELEMETRY_PAYLOAD_MAX_CHARS: 'lots' }); // throws ConfigError naming the variable
 * ```
 * @param env the environment. @default process.env
 * @param cwd the folder a relative `DGT_TELEMETRY_DIR` is in. @default process.cwd()
 * @throws {ConfigError} for a bad value, its `field` the variable's name
 */
export function telemetrySettingsFromEnv(env: Env = process.env, cwd: string = process.cwd()): TelemetrySettings {
  const disabled = flag(env, 'DGT_TELEMETRY_DISABLE');
  const recordPayloads = flag(env, 'DGT_TELEMETRY_RECORD_PAYLOADS');
  const maxChars = (env['DGT_TELEMETRY_PAYLOAD_MAX_CHARS'] ?? '').trim();
  if (maxChars !== '' && !(/^[1-9]\d*$/.test(maxChars) && Number.isSafeInteger(Number(maxChars)))) {
    throw new ConfigError(`environment variable \`DGT_TELEMETRY_PAYLOAD_MAX_CHARS\`: expected a whole number of 1 or more, received "${env['DGT_TELEMETRY_PAYLOAD_MAX_CHARS']}"`, {
      field: 'DGT_TELEMETRY_PAYLOAD_MAX_CHARS',
    });
  }
  const dir = (env['DGT_TELEMETRY_DIR'] ?? '').trim();
  return {
    disabled,
    dir: resolve(cwd, dir === '' ? 'telemetry' : dir),
    recordPayloads,
    payloadMaxChars: maxChars === '' ? 4096 : Number(maxChars),
  };
}
