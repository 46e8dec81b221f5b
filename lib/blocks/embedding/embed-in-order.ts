import { Observable, type OperatorFunction, Subscription } from 'rxjs';
import { ConfigError } from '../../errors/config-error.ts';
import type { EmbeddingEngine } from '../../model/embedding-engine.ts';
import type { Usage } from '../../record.ts';
import { isFatal } from '../../../operators/generate-internals.ts';

/** Items of the stream with the vectors of their texts, in the order the items came. */
export interface EmbeddedGroup<T> {
  readonly items: readonly T[];
  /** One per item: its text's vector, or undefined for an item without a text (or when the call failed). */
  readonly vectors: readonly (Float32Array | undefined)[];
  /** What the group's embedding call spent; undefined when no call was made. */
  readonly usage: Usage | undefined;
  /** Why the group's call failed (after its retries); undefined when it did not. */
  readonly error: unknown;
}

interface Pending<T> {
  readonly item: T;
  readonly text: string | undefined;
}

interface Slot<T> {
  group: EmbeddedGroup<T> | undefined;
}

/** Whether a failed call must end the stream: a refused credential, or a config problem (a model that cannot load). */
function endsTheRun(error: unknown): boolean {
  return isFatal(error) || ConfigError.isInstance(error);
}

/**
 * Embeds the texts of a stream with bounded concurrency and emits the items in their order, in groups. Batching is
 * opportunistic, with no timer: while fewer than `concurrency` calls are in flight, what has arrived is sent at once
 * (a slow stream sends one text per call, without waiting); while all are busy, items queue and the next free call
 * takes up to `groupSize` texts. Items whose `textOf` is undefined ride along without a text. Unsubscribing aborts the
 * calls in flight. A call that fails for good gives its group an `error` (the items go on); a fatal one (401, 403,
 * a ConfigError) errors the stream.
 */
export function embedInOrder<T>(
  engine: EmbeddingEngine,
  textOf: (item: T) => string | undefined,
  options: { readonly groupSize?: number; readonly concurrency?: number } = {},
): OperatorFunction<T, EmbeddedGroup<T>> {
  const groupSize = Math.max(1, options.groupSize ?? engine.batchSize);
  const concurrency = Math.max(1, options.concurrency ?? engine.callLimit);
  return (source) =>
    new Observable<EmbeddedGroup<T>>((subscriber) => {
      let queue: Pending<T>[] = [];
      let head = 0;
      const slots: Slot<T>[] = [];
      const calls = new Subscription();
      let running = 0;
      let sourceDone = false;
      let draining = false;
      let drainAgain = false;

      /** The next group of queued items: up to `groupSize` texts, with the text-less items among and after them. */
      const takeGroup = (): Pending<T>[] => {
        let texts = 0;
        let end = head;
        while (end < queue.length && (queue[end]!.text === undefined || texts < groupSize)) {
          if (queue[end]!.text !== undefined) texts += 1;
          end += 1;
        }
        const taken = queue.slice(head, end);
        head = end;
        // Compact now and then, so a long burst does not keep every item it ever queued.
        if (head > 1024 && head * 2 > queue.length) {
          queue = queue.slice(head);
          head = 0;
        }
        return taken;
      };

      const start = (taken: Pending<T>[]): void => {
        const slot: Slot<T> = { group: undefined };
        slots.push(slot);
        const items = taken.map((pending) => pending.item);
        const texts = taken.flatMap((pending) => (pending.text === undefined ? [] : [pending.text]));
        if (texts.length === 0) {
          slot.group = { items, vectors: items.map(() => undefined), usage: undefined, error: undefined };
          return;
        }
        running += 1;
        const call = new Subscription();
        calls.add(call);
        const settle = (group: EmbeddedGroup<T>): void => {
          slot.group = group;
          running -= 1;
          calls.remove(call);
          drain();
        };
        call.add(
          engine.embed(texts).subscribe({
            next: (result) => {
              let position = 0;
              const vectors = taken.map((pending) => (pending.text === undefined ? undefined : result.vectors[position++]));
              settle({ items, vectors, usage: result.usage, error: undefined });
            },
            error: (error: unknown) => {
              if (endsTheRun(error)) return subscriber.error(error);
              settle({ items, vectors: items.map(() => undefined), usage: undefined, error });
            },
          }),
        );
      };

      /** Sends what may be sent and emits the groups that are done, in order; re-entrant calls loop here instead. */
      function drain(): void {
        if (draining) {
          drainAgain = true;
          return;
        }
        draining = true;
        try {
          do {
            drainAgain = false;
            while (head < queue.length && running < concurrency && !subscriber.closed) start(takeGroup());
            for (let ready = slots[0]?.group; ready !== undefined && !subscriber.closed; ready = slots[0]?.group) {
              slots.shift();
              subscriber.next(ready);
            }
          } while (drainAgain);
        } finally {
          draining = false;
        }
        if (sourceDone && head === queue.length && slots.length === 0) subscriber.complete();
      }

      const upstream = source.subscribe({
        next: (item) => {
          let text: string | undefined;
          try {
            text = textOf(item);
          } catch (error) {
            return subscriber.error(error);
          }
          queue.push({ item, text });
          drain();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          drain();
        },
      });
      return () => {
        upstream.unsubscribe();
        calls.unsubscribe();
      };
    });
}
