import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { engineFromBlock } from '../../lib/run/lm-block.ts';
import { configErrorFrom } from '../helpers/config-error-from.ts';

const where = { file: 'builders/geo/qa.yaml', field: 'blocks.0' };

/** The ConfigError `engineFromBlock` throws for `block`; fails the test when it throws nothing or something else. */
const configErrorOf = (block: Readonly<Record<string, unknown>>): ConfigError => configErrorFrom(() => engineFromBlock(block, where), 'engineFromBlock');

describe('engineFromBlock: URLs with credentials', () => {
  it('refuses a base_url with a user name and password, naming file and field, never the secrets', () => {
    const error = configErrorOf({ name: 'generator', type: 'openai', model_id_or_path: 'm', base_url: 'http://alice:s3cret@127.0.0.1:9/v1' });
    expect(error.file).toBe(where.file);
    expect(error.field).toBe('blocks.0.base_url');
    expect(error.message).toMatch(/^builders\/geo\/qa\.yaml: field `blocks\.0\.base_url`: block `generator`: the URL holds a user name or password: credentials belong in `api_key`/);
    expect(error.message).toContain('OPENAI_API_KEY');
    expect(error.message).not.toMatch(/alice|s3cret/);
    // The ZodError kept as cause does not hold the input either.
    expect(JSON.stringify((error.cause as { issues: unknown }).issues)).not.toMatch(/alice|s3cret/);
  });

  it('refuses a user name alone, and a URL zod takes for a scheme of its own', () => {
    for (const base_url of ['https://alice@api.example.com/v1', 'alice:s3cret@127.0.0.1:9']) {
      const error = configErrorOf({ name: 'generator', type: 'openai', model_id_or_path: 'm', base_url });
      expect(error.field).toBe('blocks.0.base_url');
      expect(error.message).not.toMatch(/alice|s3cret/);
    }
  });

  it('refuses an iam_url with credentials, for watsonx', () => {
    const error = configErrorOf({ name: 'generator', type: 'watsonx', model_id_or_path: 'm', api_key: 'k', project_id: 'p', iam_url: 'https://alice:s3cret@iam.example' });
    expect(error.field).toBe('blocks.0.iam_url');
    expect(error.message).toContain('WATSONX_API_KEY');
    expect(error.message).not.toMatch(/alice|s3cret/);
  });

  it('a base_url that is no URL at all: zod\'s message does not quote it', () => {
    const error = configErrorOf({ name: 'generator', type: 'openai', model_id_or_path: 'm', base_url: 'http://alice:s3cret@' });
    expect(error.field).toBe('blocks.0.base_url');
    expect(error.message).toMatch(/invalid URL/);
    expect(error.message).not.toMatch(/alice|s3cret/);
  });

  it('takes a URL with an @ in its path', () => {
    const engine = engineFromBlock({ name: 'generator', type: 'openai', model_id_or_path: 'm', base_url: 'http://127.0.0.1:9/v1/@team' }, where);
    expect(engine.model.endpoint).toBe('http://127.0.0.1:9/v1/@team');
  });
});
