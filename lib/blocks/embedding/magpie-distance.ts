import { concat, defer, finalize, from, map, mergeMap } from 'rxjs';
import { z } from 'zod';
import { errorMessage } from '../../error-message.ts';
import { missingEmbeddingConfig } from '../../model/embedding-block.ts';
import { embeddingConfigFromEnv, embeddingsModelVariable, embeddingsUrlVariable } from '../../model/embeddings-from-env.ts';
import { addUsage, passOn, rejected } from '../../outcome.ts';
import type { DataPoint, Fields, Outcome, Usage } from '../../record.ts';
import type { BlockDefinition, BlockFields } from '../block-definition.ts';
import { type FieldMap, outputWriter } from '../block-io.ts';
import { turnsOf } from '../judges/magpie-conversation.ts';
import { embedInOrder } from './embed-in-order.ts';
import { VectorRows, cosineSlack } from './vector-rows.ts';

const unused = z.number().int().min(1).optional();
/** DGT's default `sentence_model`. */
const defaultSentenceModel = 'sentence-transformers/all-mpnet-base-v2';

const fields = {
  /** The embedding model: an `embedding_config` block (`type`, `model_id_or_path`, ...). @default the `RXDGT_EMBEDDINGS_URL` endpoint */
  embedding_config: z.unknown().optional(),
  /** Squared L2 distance between unit vectors below which two records are near-duplicates (cosine ≥ 1 − d/2). @default 0.05 */
  distance_threshold: z.number().min(0).max(4).default(0.05),
  /** DGT's local sentence-transformers model: the model asked of `RXDGT_EMBEDDINGS_URL` unless `RXDGT_EMBEDDINGS_MODEL` names another. */
  sentence_model: z.string().min(1).default(defaultSentenceModel),
  /** DGT's search backend; the search here is always exact (`flat`). Accepted for DGT's YAML. */
  index_type: z.enum(['auto', 'flat', 'hnsw', 'ivf']).default('auto'),
  /** DGT's tuning knobs, accepted for its YAML and unused: batches follow the engine's `batch_size`. */
  max_rows_cpu: unused,
  max_rows_gpu: unused,
  search_space_size: unused,
  search_batch_size: unused,
  encoding_batch_size: unused,
};

/** One outcome on its way through: its text and id, or why it has none. */
interface Item {
  readonly outcome: Outcome<DataPoint>;
  readonly text?: string;
  /** The record's `id` as given, or its `rxdgt_id` (DGT gives a fresh UUID). */
  readonly id?: unknown;
  readonly tags?: Fields | undefined;
  readonly problem?: string;
}

/** A record of the dataset: its near-duplicates so far (count, the first in input order), its best cosine with any other, what it spent. */
interface Member {
  readonly item: Item;
  /** Its place in the input: the sequence number of its input, then its arrival. */
  readonly order: readonly [number, number];
  count: number;
  best: number;
  first: Member | undefined;
  usage: Usage | undefined;
}

/** The sequence number an input id (`<sequence>-<hash>`) starts with; arrival order stands in for an id without one. */
function orderOf(id: string, arrival: number): readonly [number, number] {
  const sequence = /^\d+/.exec(id)?.[0];
  return [sequence === undefined ? Number.MAX_SAFE_INTEGER : Number(sequence), arrival];
}

const before = (left: Member, right: Member): boolean => left.order[0] < right.order[0] || (left.order[0] === right.order[0] && left.order[1] < right.order[1]);

/** DGT's text of a record: the user turns of a conversation joined by blank lines, else the request; trimmed. */
function textOf(request: unknown, messages: unknown): { text: string } | { problem: string } {
  if (Array.isArray(messages) && messages.length > 0) {
    const users: string[] = [];
    for (const turn of turnsOf(messages)) {
      if (turn.role === undefined) return { problem: `an utterance of its conversation has no \`from\`, \`role\` or \`speaker\` field: ${JSON.stringify(turn.source)?.slice(0, 80)}` };
      if (turn.role === 'user' && turn.text !== undefined) users.push(turn.text);
    }
    return { text: users.join('\n\n').trim() };
  }
  if (typeof request === 'string') return { text: request.trim() };
  return { problem: `it has neither a request text (\`magpie_input\`) nor a conversation (\`magpie_mt_input\`); its request is ${request === undefined ? 'missing' : typeof request}` };
}

/** Reads one outcome: the request or conversation (by default from `input`, as DGT's default input map does), `id`, `magpie_tags`. */
function itemOf(outcome: Outcome<DataPoint>, read: (record: DataPoint) => BlockFields, mapped: boolean): Item {
  if (outcome.status === 'rejected') return { outcome };
  let input: BlockFields;
  try {
    input = read(outcome.record);
  } catch (error) {
    return { outcome, problem: `cannot read its inputs: ${errorMessage(error)}` };
  }
  const given = mapped ? input['magpie_input'] : (input['magpie_input'] ?? input['input']);
  const conversation = input['magpie_mt_input'] ?? (Array.isArray(given) ? given : undefined);
  const parsed = textOf(Array.isArray(given) ? undefined : given, conversation);
  if ('problem' in parsed) return { outcome, problem: parsed.problem };
  if (parsed.text === '') return { outcome, problem: 'its request text is empty, so there is nothing to embed' };
  const id = input['id'] ?? outcome.id;
  const tags = typeof input['magpie_tags'] === 'object' && input['magpie_tags'] !== null && !Array.isArray(input['magpie_tags']) ? (input['magpie_tags'] as Fields) : undefined;
  return { outcome, text: parsed.text, id, tags };
}

/**
 * `magpie_distance`: tags each record with its near-duplicates in the whole dataset, as DGT's Magpie distance block
 * does. Two records are near-duplicates when the squared L2 distance of their unit embeddings is below
 * `distance_threshold` (cosine ≥ 1 − threshold / 2; 0.05 is cosine 0.975). It writes `magpie_tags` (added to the
 * record's own `magpie_tags`): `repeat_count` (its near-duplicates), `min_neighbor_distance` (squared L2 distance to
 * the nearest other record, near-duplicate or not; null when it is alone) and `min_similar_uuid` (the `id` of the
 * first record of its cluster in input order, itself included; null without near-duplicates), and `id`.
 * `magpie_filter` then keeps the record whose `min_similar_uuid` is its own `id`: the first of each cluster, as in
 * DGT. Input order is the input's sequence number (the start of `rxdgt_id`), so it holds whatever order the records
 * arrive in. A record without `id` gets its `rxdgt_id` (DGT gives a fresh UUID): unique, so of two exact duplicates
 * the later is the duplicate.
 *
 * The embedding model is `embedding_config`, else the OpenAI-compatible endpoint of `RXDGT_EMBEDDINGS_URL` asked for
 * `RXDGT_EMBEDDINGS_MODEL` (default: DGT's `sentence_model`); with neither, creating the block is a ConfigError.
 *
 * The text is the request (`magpie_input`; by default the record's `input`, as DGT's default map reads it), or the
 * user turns of a conversation (`magpie_mt_input`) joined by blank lines. Every record needs every other, so the block
 * holds accepted records until its input ends, embedding them (in batches of the engine's `batch_size`, up to its
 * `call_limit` at once) and comparing each with the ones before it as they come: exact, all pairs, one dot product
 * each (10k records of 384 dimensions: 50 million). Records restored on resume count as neighbours (embedded again:
 * free with `lm_cache`) and pass unchanged. A record without a text, or whose text cannot be embedded, is rejected
 * (`input_invalid`, `embedding_failed`).
 *
 * ## Example
 * ```yaml
 * - name: dedup
 *   type: magpie_distance
 *   distance_threshold: 0.05
 *   input_map: { question: magpie_input, uuid: id }
 *   output_map: { magpie_tags: magpie_tags }
 *   embedding_config: { type: ollama, model_id_or_path: all-minilm }
 * ```
 */
export const magpieDistanceBlock: BlockDefinition<typeof fields> = {
  type: 'magpie_distance',
  wholeInput: true,
  summary: 'tags each record with its near-duplicates in the dataset (repeat_count, min_neighbor_distance, min_similar_uuid)',
  fields,
  inputs: { required: [], optional: ['magpie_input', 'magpie_mt_input', 'input', 'id', 'magpie_tags'] },
  create(config, context) {
    const place = { file: context.file, field: `${context.field}.embedding_config` };
    const embedding = config.embedding_config ?? embeddingConfigFromEnv(config.sentence_model);
    if (embedding === undefined) {
      const hint =
        `DGT's \`sentence_model: ${config.sentence_model}\` ran a local model; rxdgt calls an OpenAI-compatible endpoint: ` +
        `set ${embeddingsUrlVariable} (its /v1 root) and ${embeddingsModelVariable} (default ${config.sentence_model}), or give the block an \`embedding_config\``;
      throw missingEmbeddingConfig(place, { purpose: 'finds near-duplicates by the distance of their embeddings', hint });
    }
    const engine = context.embedder(embedding, 'embedding_config');
    const { name } = config;
    const bar = 1 - config.distance_threshold / 2 - cosineSlack;
    const mapped = config.input_map !== undefined;
    const write = outputWriter(config.output_map as FieldMap | undefined, name);
    const issue = (code: string, message: string) => [{ code, message: `block \`${name}\`: ${message}`, block: name }];

    /** The tagged record of a member, once every record is in. */
    const tagged = ({ item, count, best, first, usage }: Member): Outcome<DataPoint> => {
      const { outcome } = item;
      if (outcome.status !== 'accepted') return outcome;
      const magpieTags = {
        ...item.tags,
        // As DGT's search gives it: the distance to the nearest other record, near-duplicate or not.
        min_neighbor_distance: best === -Infinity ? null : Math.max(0, 2 - 2 * Math.min(1, best)),
        repeat_count: count,
        min_similar_uuid: count === 0 ? null : (first?.item ?? item).id,
      };
      return passOn(outcome, write(outcome.record, { id: item.id, magpie_tags: magpieTags }), usage);
    };

    return {
      kind: 'operator',
      operator: (read) => (source) =>
        defer(() => {
          let rows: VectorRows | undefined = new VectorRows();
          let members: Member[] = [];

          /** Adds a record to the dataset: compared with every record before it, both sides' tallies updated. */
          const join = (item: Item, vector: Float32Array, usage: Usage | undefined): Outcome<DataPoint>[] => {
            if (!rows) return [];
            let unit: Float32Array;
            try {
              unit = rows.unit(vector);
            } catch (error) {
              return item.outcome.status === 'restored' ? [item.outcome] : [rejected(item.outcome, issue('embedding_failed', errorMessage(error)), usage)];
            }
            const member: Member = { item, order: orderOf(item.outcome.id, members.length), count: 0, best: -Infinity, first: undefined, usage };
            for (let row = 0; row < rows.size; row++) {
              const cosine = rows.dot(unit, row);
              const other = members[row]!;
              member.best = Math.max(member.best, cosine);
              other.best = Math.max(other.best, cosine);
              if (cosine < bar) continue;
              for (const [self, peer] of [[member, other], [other, member]] as const) {
                self.count += 1;
                // DGT's min_similar_uuid: the first record of the cluster in input order, itself included.
                if (before(peer, self) && (self.first === undefined || before(peer, self.first))) self.first = peer;
              }
            }
            rows.add(unit);
            members.push(member);
            return [];
          };

          const arrivals = source.pipe(
            map((outcome) => itemOf(outcome, read, mapped)),
            embedInOrder(engine, (item: Item) => item.text),
            mergeMap((group) => {
              let spent = group.usage;
              return group.items.flatMap((item, index): Outcome<DataPoint>[] => {
                const { outcome } = item;
                if (outcome.status === 'rejected') return [outcome];
                const carries = spent !== undefined && outcome.status === 'accepted' && item.text !== undefined;
                const usage = carries ? addUsage(outcome.usage, spent) : outcome.usage;
                if (carries) spent = undefined;
                const restored = outcome.status === 'restored';
                if (item.problem !== undefined) return restored ? [outcome] : [rejected(outcome, issue('input_invalid', item.problem))];
                const vector = group.vectors[index];
                if (vector === undefined) {
                  return restored ? [outcome] : [rejected(outcome, issue('embedding_failed', `cannot embed the record's text: ${errorMessage(group.error)}`), usage)];
                }
                return join(item, vector, usage);
              });
            }),
          );
          // Every record's tags depend on every other: the held records go out once the input has ended, in arrival order.
          const held = defer(() => from(members.map(tagged)));
          return concat(arrivals, held).pipe(
            finalize(() => {
              rows?.clear();
              rows = undefined;
              members = [];
            }),
          );
        }),
    };
  },
};
