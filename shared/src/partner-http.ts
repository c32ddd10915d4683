import { ConfigError } from './config.ts';
import { PermanentError, TransientError } from './errors.ts';

/** One call to a partner's API (ShipCaptainCrew, the internal calendar) from a queue consumer. */
export interface PartnerCall {
  /** How errors name the partner: `SCC`, `Internal calendar`. */
  partner: string;
  baseUrl: string;
  method: string;
  /** Appended to `baseUrl`; already encoded. */
  path: string;
  /** Our credentials and anything else the partner wants; `content-type` is added for a body. */
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  /** Answers that are not errors for this call (e.g. 404 to a delete: already gone). */
  accepted?: readonly number[];
  /** Said with a 401/403: which setting to fix (e.g. the SSM parameter holding the key). */
  credentials: string;
  fetch?: typeof fetch;
}

/**
 * Sends the call and sorts failures for the queue consumer, the same way for every partner:
 * - network errors, timeouts, 408, 429 and 5xx → TransientError (SQS retries, then the DLQ);
 * - 401/403 (our credentials refused: our configuration, not this record) → ConfigError, retried and
 *   parked for fix-then-redrive;
 * - any other 4xx → PermanentError, which says why (the first 300 characters of the answer).
 * A successful or accepted answer is returned with its body unread.
 */
export async function callPartner(call: PartnerCall): Promise<Response> {
  const { partner, method, path } = call;
  let response: Response;
  try {
    response = await (call.fetch ?? fetch)(`${call.baseUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers: {
        ...call.headers,
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      signal: AbortSignal.timeout(call.timeoutMs),
    });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? 'timed out' : 'unreachable';
    throw new TransientError(`${partner} ${method} ${path} failed (${reason}): ${(error as Error).message}`, {
      code: (error as Error).name,
      cause: error,
    });
  }
  const { status } = response;
  if (response.ok || call.accepted?.includes(status)) return response;
  const detail = (await response.text().catch(() => '')).slice(0, 300);
  const message = `${partner} answered ${status} to ${method} ${path}${detail ? `: ${detail}` : ''}`;
  if (status === 401 || status === 403) throw new ConfigError(`${message} (check ${call.credentials})`);
  if (status === 408 || status === 429 || status >= 500) {
    throw new TransientError(message, { code: `HTTP ${status}` });
  }
  throw new PermanentError(message, { code: `HTTP ${status}` });
}
