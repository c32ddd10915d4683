import { PermanentError } from '@qdn/shared/errors';
import { callPartner } from '@qdn/shared/partner-http';
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
 * queue consumer by `callPartner` (transient, configuration, permanent).
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
    accepted: readonly number[] = [],
  ): Promise<Response> {
    return callPartner({
      partner: 'SCC',
      baseUrl: this.#options.baseUrl,
      method,
      path,
      headers: { authorization: `Bearer ${await this.#options.serviceKey()}`, accept: 'application/json' },
      body,
      timeoutMs: this.#options.timeoutMs,
      accepted,
      credentials: 'the SSM parameter of the SCC service key',
      ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
    });
  }
}
