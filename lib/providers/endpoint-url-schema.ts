import { z } from 'zod';
import { hasUrlUserinfo } from '../redact-url.ts';

/**
 * An endpoint URL of an LM block (`base_url`, `iam_url`) without a user name or password: those would be printed
 * wherever the endpoint is (and undici refuses them anyway). The message never quotes the URL.
 */
export const endpointUrlSchema = z
  .string()
  .url()
  .refine((url) => !hasUrlUserinfo(url), {
    message:
      'the URL holds a user name or password: credentials belong in `api_key` or the engine\'s key variable ' +
      '(OPENAI_API_KEY, ANTHROPIC_API_KEY, AZURE_OPENAI_API_KEY or WATSONX_API_KEY), not in the URL',
  });
