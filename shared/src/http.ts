import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpSecurityHeaders from '@middy/http-security-headers';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type * as z from 'zod';
import {
  AppError,
  type FieldError,
  ForbiddenError,
  PayloadTooLargeError,
  TooManyRequestsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './errors.ts';
import { logger } from './logging.ts';
import { crewIdFromClaim, type Role, rolesFromClaim } from './roles.ts';

/** Who is calling, from the JWT the HTTP API authorizer already verified. */
export interface Principal {
  userId: string;
  roles: Role[];
  /**
   * The crew member this user is: the Cognito custom attribute `crewId` (claim `custom:crewId`). A
   * driver acts only on jobs whose `crewIds` hold it; a driver without one acts on none.
   */
  crewId: string | undefined;
  claims: Record<string, unknown>;
}

export interface HttpRequest<Body, Query, Params> {
  body: Body;
  query: Query;
  params: Params;
  /** Present on routes behind the JWT authorizer. */
  principal: Principal | undefined;
  headers: Record<string, string | undefined>;
  event: APIGatewayProxyEventV2WithJWTAuthorizer;
  context: Context;
}

/** What a route returns; a bare value is answered as 200 JSON. */
export interface HttpResult {
  statusCode?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HttpRouteOptions<Body, Query, Params> {
  body?: z.ZodType<Body>;
  query?: z.ZodType<Query>;
  params?: z.ZodType<Params>;
  /** Any of these roles may call; absent means the route is public. */
  roles?: readonly Role[];
  /** Largest accepted body in bytes (default 64 KiB). */
  maxBodyBytes?: number;
  /**
   * `form`: the body is `application/x-www-form-urlencoded` (Twilio's webhooks), parsed into a record of
   * strings (a repeated key keeps its last value). `raw`: the body as sent, a string (Stripe signs the
   * exact bytes; the route verifies, then parses). Default `json`.
   */
  bodyFormat?: 'json' | 'form' | 'raw';
  /**
   * Checks that run once the body is parsed and before anything is validated, e.g. a webhook's signature
   * over the parameters it posted (an unsigned caller learns nothing about what a valid body looks like).
   */
  middlewares?: readonly HttpMiddleware[];
}

type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
/** A middleware in httpHandler's stack (see `middlewares`). */
export type HttpMiddleware = middy.MiddlewareObj<HttpEvent, APIGatewayProxyStructuredResultV2>;
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

function principalOf(event: HttpEvent): Principal | undefined {
  const claims = event.requestContext?.authorizer?.jwt?.claims as Record<string, unknown> | undefined;
  if (!claims || typeof claims.sub !== 'string') return undefined;
  return {
    userId: claims.sub,
    roles: rolesFromClaim(claims['cognito:groups']),
    crewId: crewIdFromClaim(claims['custom:crewId']),
    claims,
  };
}

/** zod issues → `[{ field: 'customer.phone', message }]`, the shape every 400 carries. */
export function fieldErrorsOf(error: z.ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || (prefix ?? 'body'),
    message: issue.message,
  }));
}

function validate<T>(schema: z.ZodType<T> | undefined, input: unknown, part: string): T {
  if (!schema) return input as T;
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(`Invalid ${part}`, fieldErrorsOf(result.error, part));
  return result.data;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Fields the client sent that the schema did not take: every key of an object in the input that its
 * parsed counterpart lacks, at any depth. Zod drops such keys silently unless each object schema says
 * `.strict()`; checking here makes every route's JSON body strict, whatever its schema remembers.
 */
function unknownFields(input: unknown, output: unknown, path: string): FieldError[] {
  if (Array.isArray(input) && Array.isArray(output)) {
    return input.flatMap((item, index) => unknownFields(item, output[index], `${path}.${index}`));
  }
  if (!isPlainObject(input) || !isPlainObject(output)) return [];
  return Object.keys(input).flatMap((key) =>
    Object.hasOwn(output, key)
      ? unknownFields(input[key], output[key], `${path}.${key}`)
      : [{ field: `${path}.${key}`, message: 'unknown field' }],
  );
}

/** A JSON body validated strictly: the schema's rules, and no field it does not name. */
function validateJsonBody<T>(schema: z.ZodType<T>, input: unknown): T {
  const body = validate(schema, input, 'body');
  const unknown = unknownFields(input, body, 'body');
  if (unknown.length > 0) throw new ValidationError('Invalid body', unknown);
  return body;
}

function rawBodyOf(event: HttpEvent, maxBytes: number): string | undefined {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const buffer = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (buffer.byteLength > maxBytes) throw new PayloadTooLargeError(maxBytes);
  return buffer.toString('utf8');
}

function parseJsonBody(event: HttpEvent, raw: string): unknown {
  // Headers are lower-cased by http-header-normalizer before this runs.
  const contentType = event.headers['content-type'] ?? 'application/json';
  if (!/^application\/(.+\+)?json\b/i.test(contentType)) throw new UnsupportedMediaTypeError();
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new ValidationError('Malformed JSON body', [{ field: 'body', message: (error as Error).message }]);
  }
}

/**
 * A route without a body schema takes no body: anything but nothing or `{}` (what some clients send by
 * habit) is a 400, so `[]`, `null`, `__proto__` or a 30,000-deep array never reach the route.
 */
function requireNoBody(raw: string): void {
  if (/^\s*(\{\s*\})?\s*$/.test(raw)) return;
  throw new ValidationError('This route takes no body', [{ field: 'body', message: 'must be empty' }]);
}

/**
 * The body, size-limited (413 before anything is parsed) and parsed by its format: JSON (ours: a
 * malformed body is a 400 naming it), a form (middy's urlencode parser, which is total; a repeated key
 * becomes an array, as Twilio signs it), or none for a route without a body schema. Leaves
 * `event.body` holding the parsed value, or undefined when nothing was sent.
 */
function bodyParser(options: HttpRouteOptions<unknown, unknown, unknown>): HttpMiddleware {
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const form = httpUrlencodeBodyParser();
  return {
    before: async function parseBody(request) {
      const { event } = request;
      const raw = rawBodyOf(event, maxBytes);
      if (raw === undefined) {
        event.body = undefined;
        return;
      }
      if (!options.body) return requireNoBody(raw);
      if (options.bodyFormat === 'raw') {
        (event as { body: unknown }).body = raw;
        return;
      }
      if (options.bodyFormat === 'form') {
        try {
          await form.before?.(request as never);
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode === 415) {
            throw new UnsupportedMediaTypeError('Request body must be application/x-www-form-urlencoded');
          }
          throw error;
        }
        return;
      }
      (event as { body: unknown }).body = parseJsonBody(event, raw);
    },
  };
}

function authorize(principal: Principal | undefined, roles: readonly Role[] | undefined): void {
  if (!roles) return;
  if (!principal) throw new UnauthorizedError();
  if (!principal.roles.some((role) => roles.includes(role))) {
    throw new ForbiddenError(`Requires one of the roles: ${roles.join(', ')}`);
  }
}

function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}) {
  // A string body with its own content type (TwiML, iCalendar) goes out as is.
  if (
    typeof body === 'string' &&
    Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')
  ) {
    return { statusCode, headers, body } satisfies APIGatewayProxyStructuredResultV2;
  }
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  } satisfies APIGatewayProxyStructuredResultV2;
}

/**
 * Maps errors to answers: AppErrors to their status with `{ error, details }`, anything else to a 500
 * that carries the request id (to find the log line) and nothing of the internals.
 */
function httpErrorResponder(): HttpMiddleware {
  return {
    onError: function httpErrorResponderOnError(request) {
      const { error } = request;
      if (error instanceof AppError) {
        if (error.statusCode >= 500) logger.error('Request failed', { error });
        else logger.info('Request rejected', { status: error.statusCode, reason: error.message });
        request.response = jsonResponse(
          error.statusCode,
          { error: error.message, ...(error.details ? { details: error.details } : {}) },
          error instanceof TooManyRequestsError ? { 'retry-after': String(error.retryAfterSeconds) } : {},
        );
        return;
      }
      logger.error('Unexpected error', { error: error as Error });
      request.response = jsonResponse(500, {
        error: 'Internal error',
        requestId: request.context.awsRequestId,
      });
    },
  };
}

/** Roles from the JWT, before the body is even read: a caller without them learns nothing more. */
function authorization(roles: readonly Role[] | undefined): HttpMiddleware {
  return {
    before: function authorizeCaller(request) {
      authorize(principalOf(request.event), roles);
    },
  };
}

/**
 * The one middy stack for HTTP API routes, one concern per middleware, in this order: Lambda context in
 * logs, security headers, error mapping, header names lower-cased (middy's header normalizer), roles
 * from the JWT, the body size-limited and parsed (JSON, or a form through middy's urlencode parser), the
 * route's own checks (`middlewares`, e.g. Twilio's signature), then zod validation of body, query and
 * path. The route function gets typed, validated input and returns data or an HttpResult. CORS is the
 * HTTP API's (`httpApi.cors` in the jobs service): API Gateway answers preflights and replaces any CORS
 * header a function would set, so none is set here.
 *
 * @example
 * export const handler = httpHandler(
 *   { roles: ['dispatcher', 'admin'], params: z.object({ jobId: z.string() }) },
 *   async ({ params }) => ({ body: await jobs.get(params.jobId) }),
 * );
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
export function httpHandler<
  Body = undefined,
  Query = Record<string, string | undefined>,
  Params = Record<string, string | undefined>,
>(
  options: HttpRouteOptions<Body, Query, Params>,
  route: (request: HttpRequest<Body, Query, Params>) => Promise<HttpResult | undefined>,
) {
  const stack = middy<HttpEvent, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpSecurityHeaders())
    .use(httpErrorResponder())
    .use(httpHeaderNormalizer())
    .use(authorization(options.roles))
    .use(bodyParser(options as HttpRouteOptions<unknown, unknown, unknown>));
  for (const middleware of options.middlewares ?? []) stack.use(middleware);
  return stack.handler(async function handleHttpRoute(event, context) {
    const parsedBody: unknown = event.body;
    const request: HttpRequest<Body, Query, Params> = {
      body: options.body
        ? options.bodyFormat === 'form' || options.bodyFormat === 'raw'
          ? // Twilio adds parameters over time and signs them all: a form takes what it is given.
            validate(options.body, parsedBody, 'body')
          : validateJsonBody(options.body, parsedBody)
        : (undefined as Body),
      query: validate(options.query, event.queryStringParameters ?? {}, 'query'),
      params: validate(options.params, event.pathParameters ?? {}, 'path'),
      principal: principalOf(event),
      headers: event.headers ?? {},
      event,
      context,
    };
    const result = (await route(request)) ?? { statusCode: 204 };
    return jsonResponse(result.statusCode ?? 200, result.body, result.headers);
  });
}
