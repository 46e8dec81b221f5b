import stableStringify from 'fast-json-stable-stringify';
import { Observable, type Subscription, map, share } from 'rxjs';
import type { ModelRequest, ModelResult } from './language-model.ts';

/** A completion request: the only kind a server can batch (one prompt array, one set of parameters). */
export type CompletionRequest = Extract<ModelRequest, { method: 'completion' }>;

interface Member {
  readonly request: CompletionRequest;
  readonly subscriber: { next(result: ModelResult): void; error(error: unknown): void; complete(): void };
  /** Told each time the member's batch request is sent to the model (a retry sends it again). */
  readonly sent: (() => void) | undefined;
  inner?: Subscription;
}

interface Group {
  readonly members: Member[];
  sent: boolean;
}

/**
 * Gathers completion requests with the same parameters, made in the same turn of the event loop, into
 * batches of up to `size` prompts sent as one request (vLLM and OpenAI take a prompt array). Each caller still
 * gets its own answer as a cold, cancellable observable: leaving before the batch is sent removes the prompt;
 * the batch's HTTP request is aborted only when every caller has left.
 */
export class CompletionBatcher {
  /**
   * The groups not yet sent, by their parameters' key: a short list (one per set of parameters), not a `Map` (an entry
   * in and out per batch: see the README's Architecture section).
   */
  private readonly pending: { readonly key: string; readonly group: Group }[] = [];

  constructor(
    private readonly size: number,
    /** Sends one batch; answers come back in prompt order. `sent` is called each time the request goes to the model. */
    private readonly send: (requests: readonly CompletionRequest[], sent: () => void) => Observable<readonly ModelResult[]>,
  ) {}

  /** A request's answer, in a batch with others; `sent` is called each time that batch's request goes to the model. */
  submit(request: CompletionRequest, sent?: () => void): Observable<ModelResult> {
    return new Observable<ModelResult>((subscriber) => {
      const { prompt: _prompt, ...parameters } = request;
      const key = stableStringify(parameters);
      let group = this.pending.find((entry) => entry.key === key)?.group;
      if (!group) {
        const created: Group = { members: [], sent: false };
        this.pending.push({ key, group: created });
        setImmediate(() => this.flush(created));
        group = created;
      }
      const member: Member = { request, subscriber, sent };
      group.members.push(member);
      if (group.members.length >= this.size) this.flush(group);
      const joined = group;
      return () => {
        if (!joined.sent) joined.members.splice(joined.members.indexOf(member), 1);
        else member.inner?.unsubscribe();
      };
    });
  }

  private flush(group: Group): void {
    if (group.sent) return;
    group.sent = true;
    const at = this.pending.findIndex((entry) => entry.group === group);
    if (at !== -1) this.pending.splice(at, 1);
    const members = [...group.members];
    if (members.length === 0) return;
    // Shared with a reference count: the request is aborted once every member has unsubscribed.
    const sent = (): void => {
      for (const member of members) member.sent?.();
    };
    const answers = this.send(
      members.map((member) => member.request),
      sent,
    ).pipe(share());
    members.forEach((member, index) => {
      member.inner = answers.pipe(map((results) => results[index] as ModelResult)).subscribe(member.subscriber);
    });
  }
}
