// The payload format 2.0 event, built from what Node received, so handlers see locally exactly the shape
// (and the quirks) they see behind an HTTP API in AWS.

import { randomBytes } from 'node:crypto';
import type {
  APIGatewayEventRequestContextJWTAuthorizer,
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2WithRequestContext,
} from 'aws-lambda';
import type { RequestTarget } from './request-path.ts';

/** The request context of an HTTP API event; `authorizer` is present only on routes behind a JWT authorizer. */
export type HttpApiRequestContext = APIGatewayEventRequestContextV2 & {
  authorizer?: APIGatewayEventRequestContextJWTAuthorizer;
};

/** A payload format 2.0 event, with or without JWT authorizer context. */
export type HttpApiEvent = APIGatewayProxyEventV2WithRequestContext<HttpApiRequestContext>;

/** What the event builder needs of a Node `IncomingMessage` (which satisfies it). */
export interface RequestHead {
  method?: string | undefined;
  httpVersion: string;
  /** Names and values alternating, as received (keeps duplicates, unlike `headers`). */
  rawHeaders: string[];
  socket: { remoteAddress?: string | undefined; localPort?: number | undefined };
}

/** The verified JWT, as the authorizer hands it on. */
export interface JwtContext {
  /** Claim values flattened to strings, as API Gateway passes them. */
  claims: Record<string, string>;
  /** From the token's `scp` or `scope` claim; null when it has neither (e.g. a Cognito ID token). */
  scopes: string[] | null;
}

/** Everything an event is built from. */
export interface HttpApiEventInput {
  request: RequestHead;
  target: RequestTarget;
  body: Buffer;
  apiId: string;
  /** `requestContext.domainName`; defaults to the request's Host header. */
  domainName?: string;
  /** Default `000000000000`, the local cloud's account. */
  accountId?: string;
  requestId: string;
  /** Epoch milliseconds the request arrived. */
  receivedAt: number;
  /** Canonical key of the matched route (`GET /brands/{brandId}`, `$default`). */
  routeKey: string;
  pathParameters: Record<string, string> | undefined;
  jwt?: JwtContext;
}

/** The local cloud's stand-in account id. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/**
 * Builds the payload format 2.0 event: lower-cased headers with duplicates comma-joined and cookies moved to
 * `cookies`; duplicate query parameters comma-joined; absent (not null) `cookies`, `queryStringParameters`,
 * `pathParameters`, `body` and `stageVariables` when there are none; the body as text only for text content
 * types and base64 otherwise (form posts included, as an HTTP API does).
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
export function buildHttpApiEvent(input: HttpApiEventInput): HttpApiEvent {
  const { request, target } = input;
  const sourceIp = normalizeIp(request.socket.remoteAddress);
  const { headers, cookies } = collectHeaders(request, sourceIp);
  const domainName = input.domainName ?? headers.host ?? `${input.apiId}.execute-api.localhost`;
  const queryStringParameters = parseQueryString(target.rawQueryString);
  const payload = bodyFields(input.body, headers['content-type']);
  const requestContext: HttpApiRequestContext = {
    accountId: input.accountId ?? LOCAL_ACCOUNT_ID,
    apiId: input.apiId,
    domainName,
    domainPrefix: domainPrefixOf(domainName),
    http: {
      method: (request.method ?? 'GET').toUpperCase(),
      path: target.rawPath,
      protocol: `HTTP/${request.httpVersion}`,
      sourceIp,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: input.requestId,
    routeKey: input.routeKey,
    stage: '$default',
    time: formatRequestTime(input.receivedAt),
    timeEpoch: input.receivedAt,
  };
  if (input.jwt) requestContext.authorizer = { jwt: { claims: input.jwt.claims, scopes: input.jwt.scopes } };

  const event: HttpApiEvent = {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: target.rawPath,
    rawQueryString: target.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext,
    ...(payload.body !== undefined ? { body: payload.body } : {}),
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    isBase64Encoded: payload.isBase64Encoded,
  };
  return event;
}

/**
 * Whether an HTTP API passes a body of this content type as text: only `text/*`, `application/json`,
 * `application/xml` and `application/javascript` (measured against AWS; the docs list none). Anything
 * else, a missing content type and `application/x-www-form-urlencoded` included, arrives base64-encoded.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type === 'application/xml' ||
    type === 'application/javascript'
  );
}

/** `requestContext.time`: `22/Nov/2026:12:00:00 +0000` (UTC, English month). */
export function formatRequestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const month = MONTHS[date.getUTCMonth()];
  return `${pad(date.getUTCDate())}/${month}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(
    date.getUTCMinutes(),
  )}:${pad(date.getUTCSeconds())} +0000`;
}

/** An id shaped like an HTTP API's (`Mc7UVioPPHcEKPA=`): 11 random bytes, base64. */
export function newRequestId(): string {
  return randomBytes(11).toString('base64');
}

/** Duplicate parameters comma-joined; undefined when the query string holds none (the field is then absent). */
export function parseQueryString(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  // A Map, then own properties: `?__proto__=…` or `?toString=…` is a parameter like any other, as in the
  // JSON event API Gateway sends (assigning to a plain object would set its prototype instead).
  const params = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    const previous = params.get(key);
    params.set(key, previous === undefined ? value : `${previous},${value}`);
  }
  return params.size > 0 ? Object.fromEntries(params) : undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

function bodyFields(
  body: Buffer,
  contentType: string | undefined,
): { body?: string; isBase64Encoded: boolean } {
  if (body.length === 0) return { isBase64Encoded: false };
  if (isTextContentType(contentType)) return { body: body.toString('utf8'), isBase64Encoded: false };
  return { body: body.toString('base64'), isBase64Encoded: true };
}

// API Gateway sits in front as a proxy: it tells the integration who called (x-forwarded-*) and tags the
// request for tracing. Locally the hop is plain HTTP.
function collectHeaders(
  request: RequestHead,
  sourceIp: string,
): { headers: Record<string, string>; cookies: string[] } {
  const values = new Map<string, string[]>();
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!.toLowerCase();
    const list = values.get(name);
    if (list) list.push(request.rawHeaders[i + 1]!);
    else values.set(name, [request.rawHeaders[i + 1]!]);
  }
  const cookies = (values.get('cookie') ?? [])
    .flatMap((header) => header.split(';'))
    .map((cookie) => cookie.trim())
    .filter(Boolean);
  values.delete('cookie');

  const headers: Record<string, string> = Object.fromEntries(
    [...values].map(([name, list]) => [name, list.join(',')]),
  );
  const forwardedFor = headers['x-forwarded-for'];
  headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${sourceIp}` : sourceIp;
  headers['x-forwarded-port'] = String(request.socket.localPort ?? '');
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??= newTraceId();
  return { headers, cookies };
}

function newTraceId(): string {
  const seconds = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${seconds}-${randomBytes(12).toString('hex')}`;
}

function normalizeIp(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

// `abc123.execute-api.us-west-2.amazonaws.com` → `abc123`; a port is not part of the domain.
function domainPrefixOf(domainName: string): string {
  const host = domainName.replace(/:\d+$/, '');
  return host.split('.')[0] ?? host;
}
