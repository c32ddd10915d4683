// The HTTP API in front of the services' functions: one Node request handler that does, in API Gateway's
// order, what the deployed API does — CORS preflight, route selection, throttling, payload limit, JWT
// authorizer, the 2.0 event, the invocation, and the mapping of its result — and logs one line per request.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsConfiguration, ServerlessHttpApiCors } from './cors.ts';
import {
  isPreflight,
  preflightHeaders,
  resolveCorsConfiguration,
  responseCorsHeaders,
  withoutCorsHeaders,
} from './cors.ts';
import type { HttpApiEvent, JwtContext } from './event.ts';
import { buildHttpApiEvent, newRequestId } from './event.ts';
import type { JwksSource, JwtAuthorization, JwtAuthorizerConfig } from './jwt.ts';
import { authorizeJwt } from './jwt.ts';
import { parseRequestTarget } from './request-path.ts';
import type { HttpAnswer } from './response.ts';
import { gatewayAnswer, INTERNAL_SERVER_ERROR, mapFunctionResult } from './response.ts';
import type { RouteDefinition, RouteMatch } from './routes.ts';
import { compileRoutes, matchRoute } from './routes.ts';
import type { ThrottleConfig } from './throttle.ts';
import { createThrottle } from './throttle.ts';

/** One access-log line, close to the fields of serverless's default HTTP API access log format. */
export interface AccessLogEntry {
  requestId: string;
  /** ISO time the request arrived. */
  time: string;
  ip: string;
  method: string;
  /** The decoded path (`rawPath`), no query string. */
  path: string;
  /** The matched route, undefined when none matched (404, preflight, fallback). */
  routeKey: string | undefined;
  status: number;
  /** Wall time from arrival to the answer being written. */
  ms: number;
  responseLength: number;
  /** Why the gateway answered instead of the function: authorizer reason, function error, throttling... */
  error?: string;
  /** Fields of the function's response API Gateway ignores (e.g. `multiValueHeaders`). */
  ignored?: string[];
  /** True when the `fallback` answered. */
  fallback?: boolean;
}

export interface HttpGatewayOptions {
  /** The API id (`requestContext.apiId`). */
  apiId: string;
  routes: readonly RouteDefinition[];
  /** `provider.httpApi.cors` as serverless declares it; absent means no CORS (preflights go to the routes). */
  cors?: boolean | ServerlessHttpApiCors;
  /** `provider.httpApi.authorizers` by name (jwt type), resolved to the local issuer and audiences. */
  authorizers?: Record<string, JwtAuthorizerConfig>;
  /** The issuer's keys (the local identity provider); required when a route has an authorizer. */
  keys?: JwksSource;
  /**
   * Runs a function with the event and resolves with what its handler returned (not serialized). Rejects
   * on a function error or a function timeout; the gateway answers 500 either way.
   */
  invoke(functionKey: string, event: HttpApiEvent): Promise<unknown>;
  /** Largest request body; above it the answer is 413 (default 10 MiB, the HTTP API payload quota). */
  maxBodyBytes?: number;
  /** The HTTP API integration timeout: 30 s, after which it answers 503 without waiting for the function. */
  integrationTimeoutMs?: number;
  /** Stage throttling (`DefaultRouteSettings` / `RouteSettings`); absent means no throttling. */
  throttle?: ThrottleConfig;
  /** Called when no route matches, before answering 404, with the body unread; true means it answered. */
  fallback?(req: IncomingMessage, res: ServerResponse): boolean | Promise<boolean>;
  /** Receives one entry per request; nothing is printed otherwise. */
  log?(entry: AccessLogEntry): void;
  /** `requestContext.domainName`; default: the request's Host header. */
  domainName?: string;
  /** `requestContext.accountId`; default `000000000000`. */
  accountId?: string;
  /** Epoch milliseconds; injectable for tests of time, expiry and throttling. */
  now?: () => number;
}

/** A Node request handler, to pass to `http.createServer` or call from another one. */
export type HttpGatewayHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The HTTP API payload quota: 10 MiB (API Gateway answers 413 above it). */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** The HTTP API's maximum (and serverless's) integration timeout. */
export const DEFAULT_INTEGRATION_TIMEOUT_MS = 30_000;

interface RequestState {
  requestId: string;
  receivedAt: number;
  method: string;
  path: string;
  ip: string;
  routeKey: string | undefined;
  origin: string | undefined;
}

/**
 * Creates the local HTTP API. Routes, CORS and authorizers are validated here, so a bad configuration fails
 * at start-up rather than on the first request.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api.html
 */
export function createHttpGateway(options: HttpGatewayOptions): HttpGatewayHandler {
  const table = compileRoutes(options.routes);
  const cors = resolveCorsConfiguration(
    options.cors,
    options.routes.map((route) => route.routeKey),
  );
  checkAuthorizers(options);
  const throttle = options.throttle ? createThrottle(options.throttle) : undefined;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const integrationTimeoutMs = options.integrationTimeoutMs ?? DEFAULT_INTEGRATION_TIMEOUT_MS;
  const now = options.now ?? Date.now;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = parseRequestTarget(req.url ?? '/');
    const state: RequestState = {
      requestId: newRequestId(),
      receivedAt: now(),
      method: (req.method ?? 'GET').toUpperCase(),
      path: target.rawPath,
      ip: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      routeKey: undefined,
      origin: headerValue(req, 'origin'),
    };
    const finish = (answer: HttpAnswer, extra: Partial<AccessLogEntry> = {}) =>
      send(res, answer, state, cors, extra);

    if (cors && isPreflight(req.method, req.headers)) {
      req.resume();
      const preflight = {
        statusCode: 204,
        headers: preflightHeaders(cors, state.origin),
        body: Buffer.alloc(0),
      };
      return send(res, preflight, state, undefined, {});
    }

    const match = matchRoute(table, state.method, target.rawPath);
    if (!match) {
      if (options.fallback && (await options.fallback(req, res))) {
        return logEntry(state, res.statusCode, 0, { fallback: true });
      }
      req.resume();
      return finish(gatewayAnswer(404, 'Not Found'));
    }
    state.routeKey = match.route.routeKey;

    if (throttle && !throttle.tryTake(match.route.routeKey, now())) {
      req.resume();
      return finish(gatewayAnswer(429, 'Too Many Requests'), { error: 'throttled' });
    }

    const body = await readBody(req, maxBodyBytes);
    if (!body) {
      return finish(
        {
          statusCode: 413,
          headers: { 'content-type': 'text; charset=utf-8', connection: 'close' },
          body: Buffer.from(`HTTP content length exceeded ${maxBodyBytes} bytes.`, 'utf8'),
        },
        { error: 'payload too large' },
      );
    }

    const authorization = await authorize(match, req, target.rawQueryString);
    if (!authorization.ok) {
      const headers: Record<string, string> = authorization.wwwAuthenticate
        ? { 'www-authenticate': authorization.wwwAuthenticate }
        : {};
      return finish(gatewayAnswer(authorization.statusCode, authorization.message, headers), {
        error: authorization.reason,
      });
    }

    const event = buildHttpApiEvent({
      request: req,
      target,
      body,
      apiId: options.apiId,
      ...(options.domainName === undefined ? {} : { domainName: options.domainName }),
      ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
      requestId: state.requestId,
      receivedAt: state.receivedAt,
      routeKey: match.route.routeKey,
      pathParameters: match.pathParameters,
      ...(authorization.jwt ? { jwt: authorization.jwt } : {}),
    });

    const outcome = await invokeWithTimeout(
      options.invoke,
      match.route.definition.functionKey,
      event,
      integrationTimeoutMs,
    );
    if (outcome.kind === 'timeout') {
      return finish(gatewayAnswer(503, 'Service Unavailable'), { error: 'integration timeout' });
    }
    if (outcome.kind === 'error') {
      return finish(gatewayAnswer(500, INTERNAL_SERVER_ERROR), {
        error: `function error: ${outcome.message}`,
      });
    }
    const mapped = mapFunctionResult(outcome.value);
    if (!mapped.ok) {
      return finish(gatewayAnswer(500, INTERNAL_SERVER_ERROR), {
        error: `invalid function response: ${mapped.reason}`,
      });
    }
    return finish(mapped.answer, mapped.ignored.length > 0 ? { ignored: mapped.ignored } : {});
  }

  async function authorize(
    match: RouteMatch,
    req: IncomingMessage,
    rawQueryString: string,
  ): Promise<{ ok: true; jwt: JwtContext | undefined } | Extract<JwtAuthorization, { ok: false }>> {
    const routeAuthorizer = match.route.definition.authorizer;
    if (!routeAuthorizer) return { ok: true, jwt: undefined };
    const result = await authorizeJwt({
      config: options.authorizers![routeAuthorizer.name]!,
      keys: options.keys!,
      headers: lowerCaseHeaders(req),
      rawQueryString,
      ...(routeAuthorizer.scopes ? { routeScopes: routeAuthorizer.scopes } : {}),
      currentDate: new Date(now()),
    });
    if (!result.ok) return result;
    return { ok: true, jwt: { claims: result.claims, scopes: result.scopes } };
  }

  function send(
    res: ServerResponse,
    answer: HttpAnswer,
    state: RequestState,
    corsConfiguration: CorsConfiguration | undefined,
    extra: Partial<AccessLogEntry>,
  ): void {
    // With CORS configured, the API's CORS headers replace the function's.
    const headers = corsConfiguration
      ? { ...withoutCorsHeaders(answer.headers), ...responseCorsHeaders(corsConfiguration, state.origin) }
      : answer.headers;
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(answer.statusCode, {
        ...headers,
        'content-length': String(answer.body.length),
        'apigw-requestid': state.requestId,
      });
      res.end(answer.body);
    }
    logEntry(state, answer.statusCode, answer.body.length, extra);
  }

  function logEntry(
    state: RequestState,
    status: number,
    responseLength: number,
    extra: Partial<AccessLogEntry>,
  ) {
    safeLog({
      requestId: state.requestId,
      time: new Date(state.receivedAt).toISOString(),
      ip: state.ip,
      method: state.method,
      path: state.path,
      routeKey: state.routeKey,
      status,
      ms: now() - state.receivedAt,
      responseLength,
      ...extra,
    });
  }

  function safeLog(entry: AccessLogEntry): void {
    try {
      options.log?.(entry);
    } catch {
      // A broken logger must not take the API down with it.
    }
  }

  return function httpGateway(req, res) {
    handle(req, res).catch(function answerInternalError(error: unknown) {
      // A bug here (or a client gone mid-body) must end the request, not the process.
      if (!res.headersSent && !res.destroyed) {
        const answer = gatewayAnswer(500, INTERNAL_SERVER_ERROR);
        res.writeHead(500, { ...answer.headers, 'content-length': String(answer.body.length) });
        res.end(answer.body);
      }
      safeLog({
        requestId: '',
        time: new Date(now()).toISOString(),
        ip: req.socket.remoteAddress ?? '',
        method: req.method ?? '',
        path: req.url ?? '',
        routeKey: undefined,
        status: 500,
        ms: 0,
        responseLength: 0,
        error: `gateway error: ${(error as Error)?.message ?? String(error)}`,
      });
    });
  };
}

type InvokeOutcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'error'; message: string }
  | { kind: 'timeout' };

async function invokeWithTimeout(
  invoke: HttpGatewayOptions['invoke'],
  functionKey: string,
  event: HttpApiEvent,
  timeoutMs: number,
): Promise<InvokeOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<InvokeOutcome>(function scheduleTimeout(resolve) {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
  });
  const invocation = Promise.resolve()
    .then(() => invoke(functionKey, event))
    .then(
      (value): InvokeOutcome => ({ kind: 'value', value }),
      (error: unknown): InvokeOutcome => ({
        kind: 'error',
        message: (error as Error)?.message ?? String(error),
      }),
    );
  try {
    return await Promise.race([invocation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The body, or null when it exceeds `limit` (the rest is drained, not buffered). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size > limit ? null : Buffer.concat(chunks);
}

function checkAuthorizers(options: HttpGatewayOptions): void {
  for (const route of options.routes) {
    const name = route.authorizer?.name;
    if (name === undefined) continue;
    if (!options.authorizers?.[name]) {
      throw new Error(`Route '${route.routeKey}' references the unknown authorizer '${name}'`);
    }
    if (!options.keys) throw new Error(`Route '${route.routeKey}' has an authorizer but no keys were given`);
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function lowerCaseHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const name of Object.keys(req.headers)) headers[name] = headerValue(req, name);
  return headers;
}
