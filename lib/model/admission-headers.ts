/** What one response's rate-limit headers say about one kind of limit (requests or tokens). */
export interface RateLimitReading {
  /** Per-minute limit. */
  readonly limit?: number;
  /** Left in the current window. */
  readonly remaining?: number;
  /** Ms from `now` until the window resets. */
  readonly resetMs?: number;
}

/** The rate-limit headers of one response, for requests and for tokens. */
export interface RateLimitHeaders {
  readonly requests: RateLimitReading;
  readonly tokens: RateLimitReading;
}

const units: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000_001 };
const durationPart = /(\d+(?:\.\d+)?|\.\d+)(ms|us|µs|ns|h|m|s)/y;

/**
 * Parses a Go-style duration as OpenAI sends it (`'1s'`, `'6m0s'`, `'20ms'`, `'0.5s'`, `'1h2m3.5s'`) or a bare
 * number of seconds, into ms; undefined when it is neither.
 */
export function parseDuration(text: string): number | undefined {
  const value = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(value)) return Number(value) * 1000;
  if (value === '') return undefined;
  durationPart.lastIndex = 0;
  let total = 0;
  while (durationPart.lastIndex < value.length) {
    const match = durationPart.exec(value);
    if (!match) return undefined;
    total += Number(match[1]) * units[match[2]!]!;
  }
  return total;
}

/** A reset as a duration (OpenAI) or as an RFC 3339 time (Anthropic), in ms from `now`, never negative. */
function parseReset(text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined;
  const duration = parseDuration(text);
  if (duration !== undefined) return duration;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : Math.max(0, time - now);
}

function parseCount(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Drops the fields that are undefined, for exactOptionalPropertyTypes. */
function reading(limit: number | undefined, remaining: number | undefined, resetMs: number | undefined): RateLimitReading {
  return { ...(limit !== undefined && { limit }), ...(remaining !== undefined && { remaining }), ...(resetMs !== undefined && { resetMs }) };
}

/**
 * Reads OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` and Anthropic's
 * `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}` headers, in any letter case. `now` is the
 * scheduler's time, used to turn an absolute reset time into a wait.
 */
export function parseRateLimitHeaders(headers: Readonly<Record<string, string>>, now: number): RateLimitHeaders {
  const lower = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  const read = (kind: 'requests' | 'tokens'): RateLimitReading => {
    const header = (field: 'limit' | 'remaining' | 'reset') => lower.get(`x-ratelimit-${field}-${kind}`) ?? lower.get(`anthropic-ratelimit-${kind}-${field}`);
    return reading(parseCount(header('limit')), parseCount(header('remaining')), parseReset(header('reset'), now));
  };
  return { requests: read('requests'), tokens: read('tokens') };
}
