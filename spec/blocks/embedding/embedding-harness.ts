import type { Observable } from 'rxjs';
import { afterEach } from 'vitest';
import type { BlockContext, BlockDefinition } from '../../../lib/blocks/block-definition.ts';
import { embedderFactory } from '../../../lib/model/embedding-block.ts';
import { clearAdmissions } from '../../../lib/model/admission-registry.ts';
import type { Engine } from '../../../lib/model/engine.ts';
import { accepted } from '../../../lib/outcome.ts';
import type { DataPoint, Outcome, Rejected } from '../../../lib/record.ts';
import type { TestServer } from '../../../lib/testing/test-server.ts';
import { blockContext, outcomesThrough, record } from '../../helpers/block-harness.ts';

export { operatorOf, record } from '../../helpers/block-harness.ts';

/** A block at `blocks.0` of `b.yaml` whose `embedding_config` engines are made by `embedderFactory`, named `b`. */
export function embeddingContext(): BlockContext & { readonly close: () => Promise<void> } {
  const embedder = embedderFactory();
  return {
    ...blockContext('embedding', {
      engine: (): Engine => {
        throw new Error('no LM engine in embedding specs');
      },
      embedder: (config, field) => embedder(config, { file: 'b.yaml', field: `blocks.0.${field}`, name: 'b' }),
    }),
    close: () => embedder.close(),
  };
}

/**
 * Returns a maker of {@link embeddingContext}s whose embedders are closed after each test of the calling file, when
 * the admissions they shared are cleared too.
 */
export function useEmbeddingContexts(): () => ReturnType<typeof embeddingContext> {
  const contexts: ReturnType<typeof embeddingContext>[] = [];
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    clearAdmissions();
  });
  return () => {
    const context = embeddingContext();
    contexts.push(context);
    return context;
  };
}

/** The `embedding_config` of the test server, without retries. */
export const embeddingConfigOf = (server: TestServer, extra: Record<string, unknown> = {}) => ({
  type: 'openai',
  model_id_or_path: 'embed',
  base_url: server.baseURL,
  api_key: 'k',
  max_retries: 0,
  ...extra,
});

/** An accepted outcome of a record with `question`. */
export const question = (id: string, text: unknown) => accepted(id, record({ question: text }));

/** The issues of a rejected outcome. */
export const issuesOf = (outcome: Outcome<DataPoint> | undefined) => (outcome as Rejected).issues;

/** Every outcome of `outcomes` through the block. */
export function runBlock(definition: BlockDefinition, fields: Record<string, unknown>, context: BlockContext, outcomes: readonly Outcome<DataPoint>[] | Observable<Outcome<DataPoint>>) {
  return outcomesThrough(definition, fields, context, outcomes);
}
