// The one seam between the notifications service and a Twilio that is not api.twilio.com. The twilio SDK
// builds absolute `https://*.twilio.com` URLs itself and only lets us swap its HTTP client, so this client
// rewrites those URLs to a configured base URL (the local cloud's Twilio fake) before sending. In AWS the
// base URL is unset and every request goes out untouched: one code path in both places.
//
// Built from the SDK's own parts — its base client, its HTTP client and the one API domain we call
// (Api: Messages) — rather than `twilio()`, whose client bundles every Twilio product (~3 MB minified,
// half a second of cold start) for the two calls a sender makes. Same classes, same requests.
import BaseTwilio from 'twilio/lib/base/BaseTwilio.js';
import SdkRequestClient from 'twilio/lib/base/RequestClient.js';
import type * as HttpResponse from 'twilio/lib/http/response.js';
import Api from 'twilio/lib/rest/Api.js';
import type { MessageListInstance } from 'twilio/lib/rest/api/v2010/account/message.js';

/** How the notifications service reaches Twilio (from SSM/Secrets Manager in AWS, the fake locally). */
export interface TwilioClientOptions {
  /** `AC…`: the account the API key belongs to; the SDK puts it in every Messages URL. */
  accountSid: string;
  /** `SK…`: API key SID (a revocable key, never the account's Auth Token). */
  apiKeySid: string;
  apiKeySecret: string;
  /**
   * Where to send what the SDK addresses to `*.twilio.com`, e.g. `http://127.0.0.1:4010` (from
   * TWILIO_API_BASE_URL). Unset or empty: talk to Twilio itself.
   */
  apiBaseUrl?: string | undefined;
  /** Per-request timeout; the SDK's default is 30 s, longer than a Lambda should wait on one SMS. */
  timeoutMs?: number | undefined;
}

/**
 * The SDK's `RequestClient` with one change: URLs on `twilio.com` or its subdomains (api, messaging, and
 * their edge/region variants such as `api.dublin.ie1.twilio.com`) are re-based onto `baseUrl`, keeping
 * path and query (and prefixing the base URL's own path, if any). Any other URL is left alone.
 * @see https://www.twilio.com/docs/libraries/reference/twilio-node/ (custom HTTP client)
 */
export class BaseUrlRequestClient extends SdkRequestClient {
  readonly #baseUrl: URL | undefined;

  constructor(options: { baseUrl?: string | undefined; timeoutMs?: number | undefined } = {}) {
    super(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs });
    this.#baseUrl = parseBaseUrl(options.baseUrl);
  }

  override request<TData>(
    opts: SdkRequestClient.RequestOptions<TData>,
  ): Promise<HttpResponse.default<TData>> {
    return super.request({ ...opts, uri: rebaseTwilioUrl(opts.uri, this.#baseUrl) });
  }
}

/**
 * The SDK's base client (credentials, account, HTTP client) with the one domain we call, wired as
 * `twilio()` wires it: what the notifications service uses of Twilio's REST API is the account's Messages.
 */
export class TwilioMessagingClient extends BaseTwilio.Client {
  #api: Api | undefined;

  get messages(): MessageListInstance {
    this.#api ??= new Api(this as never);
    return this.#api.v2010.account.messages;
  }
}

/**
 * Creates the Twilio REST client the notifications service uses everywhere, authenticated with an API key.
 * @see https://www.twilio.com/docs/iam/api-keys
 * @see https://www.twilio.com/docs/messaging/api/message-resource
 */
export function createTwilioClient(options: TwilioClientOptions): TwilioMessagingClient {
  const httpClient = new BaseUrlRequestClient({ baseUrl: options.apiBaseUrl, timeoutMs: options.timeoutMs });
  return new TwilioMessagingClient(options.apiKeySid, options.apiKeySecret, {
    accountSid: options.accountSid,
    httpClient,
  });
}

/** Moves a `*.twilio.com` URL onto `baseUrl`; returns `uri` unchanged when there is no base or another host. */
export function rebaseTwilioUrl(uri: string, baseUrl: URL | undefined): string {
  if (!baseUrl) return uri;
  const target = new URL(uri);
  const host = target.hostname.toLowerCase();
  if (host !== 'twilio.com' && !host.endsWith('.twilio.com')) return uri;
  const prefix = baseUrl.pathname.replace(/\/+$/, '');
  return `${baseUrl.origin}${prefix}${target.pathname}${target.search}`;
}

function parseBaseUrl(value: string | undefined): URL | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('Twilio API base URL is not a valid URL');
  }
  // The API key travels in every request: refuse anything but plain HTTP(S) endpoints.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error('Twilio API base URL must be http(s)');
  }
  if (url.search || url.hash) throw new Error('Twilio API base URL must not have a query or fragment');
  return url;
}
