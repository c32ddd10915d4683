import { ConfigError } from '@qdn/shared/config';
import { PermanentError, TransientError } from '@qdn/shared/errors';
import type { SccEventBody } from '../domain/crew-view.ts';
import type { SccEvents } from '../domain/ports.ts';

export interface SccClientOptions {
  /** SCC's API Gateway endpoint (not a CloudFront distribution: it strips Authorization). */
  baseUrl: string;
  /** The service key, read from SSM when first needed. */
  serviceKey: () => Promise<string>;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/**
 * ShipCaptainCrew's events API over HTTPS with the bearer service key. Failures are sorted for the
 * queue consumer: network errors, timeouts, 408, 429 and 5xx are TransientError (SQS retries, then the
 * DLQ); 401/403 (our key refused) a ConfigError, retried and parked for fix-then-redrive; any other 4xx
 * is a PermanentError (recorded, not retried).
 *
 * @see ../../../../local/src/fakes/scc.ts for the API as the local cloud fakes it.
 */
export class SccClient implements SccEvents {
  readonly #options: SccClientOptions;

  constructor(options: SccClientOptions) {
    this.#options = options;
  }

  async create(body: SccEventBody): Promise<{ sccEventId: string }> {
    const response = await this.#request('POST', '/events', body);
    const created = (await response.json().catch(() => undefined)) as { id?: unknown } | undefined;
    if (typeof created?.id !== 'string' || created.id === '') {
      throw new PermanentError('SCC created an event but answered without its id', {
        code: `HTTP ${response.status}`,
      });
    }
    return { sccEventId: created.id };
  }

  async update(sccEventId: string, body: SccEventBody): Promise<'updated' | 'missing'> {
    const response = await this.#request('PUT', `/events/${encodeURIComponent(sccEventId)}`, body, [404]);
    await response.body?.cancel();
    return response.status === 404 ? 'missing' : 'updated';
  }

  async remove(sccEventId: string): Promise<void> {
    const response = await this.#request(
      'DELETE',
      `/events/${encodeURIComponent(sccEventId)}`,
      undefined,
      [404],
    );
    await response.body?.cancel();
  }

  async #request(
    method: string,
    path: string,
    body: unknown,
    acceptedStatuses: readonly number[] = [],
  ): Promise<Response> {
    const url = `${this.#options.baseUrl.replace(/\/$/, '')}${path}`;
    const key = await this.#options.serviceKey();
    let response: Response;
    try {
      response = await (this.#options.fetch ?? fetch)(url, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (error) {
      throw new TransientError(`SCC ${method} ${path} failed: ${(error as Error).message}`, {
        code: (error as Error).name,
        cause: error,
      });
    }
    if (response.ok || acceptedStatuses.includes(response.status)) return response;
    const detail = (await response.text().catch(() => '')).slice(0, 300);
    const message = `SCC ${method} ${path} answered ${response.status}${detail ? `: ${detail}` : ''}`;
    // Our service key refused: our configuration, not this charter. Retried, then parked for fix-then-redrive.
    if (response.status === 401 || response.status === 403) {
      throw new ConfigError(`${message} (check the SSM parameter of the SCC service key)`);
    }
    const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
    throw retryable
      ? new TransientError(message, { code: `HTTP ${response.status}` })
      : new PermanentError(message, { code: `HTTP ${response.status}` });
  }
}
