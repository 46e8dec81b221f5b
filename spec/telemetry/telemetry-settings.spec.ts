import { describe, expect, test } from 'vitest';
import { telemetrySettingsFromEnv } from '../../lib/telemetry/telemetry-settings.ts';
import { configErrorFrom } from '../helpers/config-error-from.ts';

describe('telemetrySettingsFromEnv', () => {
  test('with no variable set: DGT defaults, the folder `telemetry` in the working directory', () => {
    expect(telemetrySettingsFromEnv({}, '/work/run')).toEqual({ disabled: false, dir: '/work/run/telemetry', recordPayloads: false, payloadMaxChars: 4096 });
  });

  test('reads every variable; a relative folder is in the working directory, an absolute one is kept', () => {
    const env = { DGT_TELEMETRY_DISABLE: 'YES', DGT_TELEMETRY_DIR: 'out/tele', DGT_TELEMETRY_RECORD_PAYLOADS: 'true', DGT_TELEMETRY_PAYLOAD_MAX_CHARS: '100' };
    expect(telemetrySettingsFromEnv(env, '/work/run')).toEqual({ disabled: true, dir: '/work/run/out/tele', recordPayloads: true, payloadMaxChars: 100 });
    expect(telemetrySettingsFromEnv({ DGT_TELEMETRY_DIR: '/var/tele' }, '/work/run').dir).toBe('/var/tele');
  });

  test.each(['1', 'true', 'Yes', ' yes '])('%j turns a flag on', (value) => {
    expect(telemetrySettingsFromEnv({ DGT_TELEMETRY_DISABLE: value, DGT_TELEMETRY_RECORD_PAYLOADS: value }, '/w')).toMatchObject({ disabled: true, recordPayloads: true });
  });

  test.each(['', '0', 'false', 'NO'])('%j leaves a flag off', (value) => {
    expect(telemetrySettingsFromEnv({ DGT_TELEMETRY_DISABLE: value, DGT_TELEMETRY_RECORD_PAYLOADS: value }, '/w')).toMatchObject({ disabled: false, recordPayloads: false });
  });

  test('a flag of another value is a ConfigError naming the variable and the value', () => {
    const error = configErrorFrom(() => telemetrySettingsFromEnv({ DGT_TELEMETRY_RECORD_PAYLOADS: 'maybe' }, '/w'), 'a bad flag');
    expect(error.field).toBe('DGT_TELEMETRY_RECORD_PAYLOADS');
    expect(error.message).toBe('environment variable `DGT_TELEMETRY_RECORD_PAYLOADS`: expected 1, true or yes (or 0, false, no), received "maybe"');
    expect(configErrorFrom(() => telemetrySettingsFromEnv({ DGT_TELEMETRY_DISABLE: 'on' }, '/w'), 'a bad flag').field).toBe('DGT_TELEMETRY_DISABLE');
  });

  test.each(['0', '-5', '12.5', 'lots', '99999999999999999999'])('DGT_TELEMETRY_PAYLOAD_MAX_CHARS=%j is a ConfigError naming it', (value) => {
    const error = configErrorFrom(() => telemetrySettingsFromEnv({ DGT_TELEMETRY_PAYLOAD_MAX_CHARS: value }, '/w'), 'a bad size');
    expect(error.field).toBe('DGT_TELEMETRY_PAYLOAD_MAX_CHARS');
    expect(error.message).toContain(`expected a whole number of 1 or more, received "${value}"`);
  });
});
