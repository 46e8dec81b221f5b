/** A scripted failure shared by the Azure OpenAI and Anthropic stand-ins: an error status in the service's shape, or a dropped connection. */
import type { FixtureReply } from './http-fixture.ts';

export type ServiceFault =
  | {
      readonly status: number;
      /** Sent as `Retry-After`. */
      readonly retryAfterSeconds?: number;
      /** The service's error message. @default `Test server fault: status <status>` */
      readonly message?: string;
      /** Further response headers (`retry-after-ms`, rate-limit headers). */
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly drop: true };

/** The reply for `fault`, its body built by the service's `errorBody`. */
export function faultReply(fault: ServiceFault, errorBody: (status: number, message: string) => unknown): FixtureReply {
  if ('drop' in fault) return fault;
  const retryAfter = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  return { status: fault.status, body: errorBody(fault.status, fault.message ?? `Test server fault: status ${fault.status}`), headers: { ...retryAfter, ...fault.headers } };
}
