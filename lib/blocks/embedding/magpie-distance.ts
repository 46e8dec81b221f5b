import { createHash } from 'node:crypto';
import { concat, defer, finalize, from, map, mergeMap } from 'rxjs';
import { z } from 'zod';
import { errorMessage } from '../../error-message.ts';
import { missingEmbeddingConfig } from '../../model/embedding-block.ts';
import { addUsage, passOn, rejected } from '../../outcome.ts';
import type { DataPoint, Fields, Outcome, Usage } from '../../record.ts';
import type { BlockDefinition, BlockFields } from '../block-definition.ts';
import { type FieldMap, outputWriter } from '../block-io.ts';
import { turnsOf } from '../judges/magpie-conversation.ts';
import { embedInOrder } from './embed-in-order.ts';
import { VectorRows, cosineSlack } from './vector-rows.ts';

const unused = z.number().int().min(1).optional();

const fields = {
  /** The embedding model (DGT's local `sentence_model`): an `embedding_config` block (`type`, `model_id_or_path`, ...). */
  embedding_config: z.unknown().optional(),
  /** Squared L2 distance between unit vectors below which two records are near-duplicates (cosine ≥ 1 − d/2). @default 0.05 */
  distance_threshold: z.number().min(0).max(4).default(0.05),
  /** DGT's local model name; rxdgt calls the model `embedding_config` names instead (kept only for its error). */
  sentence_model: z.string().optional(),
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
  /** The record's `id` as given, or the MD5 hex of its text. */
  readonly id?: unknown;
  readonly tags?: Fields | undefined;
  readonly problem?: string;
}

/** A record of the dataset: its neighbours so far (count, best cosine, smallest id) and what it spent. */
interface Member {
  readonly item: Item;
  readonly key: string;
  count: number;
  best: number;
  nearestKey: string | undefined;
  nearestId: unknown;
  usage: Usage | undefined;
}

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
  const id = input['id'] ?? createHash('md5').update(parsed.text).digest('hex');
  const tags = typeof input['magpie_tags'] === 'object' && input['magpie_tags'] !== null && !Array.isArray(input['magpie_tags']) ? (input['magpie_tags'] as Fields) : undefined;
  return { outcome, text: parsed.text, id, tags };
}

/**
 * `magpie_distance`: tags each record with its near-duplicates in the whole dataset, as DGT's Magpie distance block
 * does. Two records are near-duplicates when the squared L2 distance of their unit embeddings is below
 * `distance_threshold` (cosine ≥ 1 − threshold / 2; 0.05 is cosine 0.975). It writes `magpie_tags` (added to the
 * record's own `magpie_tags`): `repeat_count` (its near-duplicates), `min_neighbor_distance` (squared L2 distance to
 * the nearest, null without one) and `min_similar_uuid` (the smallest `id` of the record and its near-duplicates,
 * null without one), and `id`. `magpie_filter` then keeps the record whose `min_similar_uuid` is its own `id`: one per
 * cluster, whatever the order. A record without `id` gets the MD5 hex of its text, as in DGT (so exact duplicates
 * without ids share one, and both survive the filter: give records ids).
 *
 * The text is the request (`magpie_input`; by default the record's `input`, as DGT's default map reads it), or the
 * user turns of a conversation (`magpie_mt_input`) joined by blank lines. Every record needs every other, so the block
 * holds accepted records until its input ends, embedding them (in batches of the engine's `batch_size`, up to its
 * `call_limit` at once) and comparing each with the ones before it as they come: exact, all pairs, one dot product
 * each (10k records of 384 dimensions: 50 million). Records restored on resume count as neighbours (embedded again:
 * free with `lm_cache`) and pass unchanged. A record without a text, or whose text cannot be embedded, is rejected
 * (`input_invalid`, `embedding_failed`); DGT's `sentence_model` becomes `embedding_config`.
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
  summary: 'tags each record with its near-duplicates in the dataset (repeat_count, min_neighbor_distance, min_similar_uuid)',
  fields,
  inputs: { required: [], optional: ['magpie_input', 'magpie_mt_input', 'input', 'id', 'magpie_tags'] },
  create(config, context) {
    const place = { file: context.file, field: `${context.field}.embedding_config` };
    if (config.embedding_config === undefined) {
      const hint = config.sentence_model === undefined ? undefined : `DGT's \`sentence_model: ${config.sentence_model}\` ran a local model; rxdgt calls one through \`embedding_config\``;
      throw missingEmbeddingConfig(place, { purpose: 'finds near-duplicates by the distance of their embeddings', ...(hint ? { hint } : {}) });
    }
    const engine = context.embedder(config.embedding_config, 'embedding_config');
    const { name } = config;
    const bar = 1 - config.distance_threshold / 2 - cosineSlack;
    const mapped = config.input_map !== undefined;
    const write = outputWriter(config.output_map as FieldMap | undefined, name);
    const issue = (code: string, message: string) => [{ code, message: `block \`${name}\`: ${message}`, block: name }];

    /** The tagged record of a member, once every record is in. */
    const tagged = ({ item, key, count, best, nearestKey, nearestId, usage }: Member): Outcome<DataPoint> => {
      const { outcome } = item;
      if (outcome.status !== 'accepted') return outcome;
      const smallest = count === 0 ? null : nearestKey !== undefined && nearestKey < key ? nearestId : item.id;
      const magpieTags = {
        ...item.tags,
        min_neighbor_distance: count === 0 ? null : Math.max(0, 2 - 2 * Math.min(1, best)),
        repeat_count: count,
        min_similar_uuid: smallest,
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
            const member: Member = { item, key: String(item.id), count: 0, best: -1, nearestKey: undefined, nearestId: undefined, usage };
            for (let row = 0; row < rows.size; row++) {
              const cosine = rows.dot(unit, row);
              if (cosine < bar) continue;
              const other = members[row]!;
              for (const [self, peer] of [[member, other], [other, member]] as const) {
                self.count += 1;
                self.best = Math.max(self.best, cosine);
                if (self.nearestKey === undefined || peer.key < self.nearestKey) {
                  self.nearestKey = peer.key;
                  self.nearestId = peer.item.id;
                }
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
