import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpCors from '@middy/http-cors';
import httpSecurityHeaders from '@middy/http-security-headers';
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
   * strings (a repeated key keeps its last value). Default `json`.
   */
  bodyFormat?: 'json' | 'form';
}

type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
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

function headerOf(event: HttpEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function parseJsonBody(event: HttpEvent, maxBytes: number): unknown {
  const raw = rawBodyOf(event, maxBytes);
  if (raw === undefined) return undefined;
  const contentType = headerOf(event, 'content-type') ?? 'application/json';
  if (!/^application\/(.+\+)?json\b/i.test(contentType)) throw new UnsupportedMediaTypeError();
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new ValidationError('Malformed JSON body', [{ field: 'body', message: (error as Error).message }]);
  }
}

function parseFormBody(event: HttpEvent, maxBytes: number): Record<string, string> | undefined {
  const raw = rawBodyOf(event, maxBytes);
  if (raw === undefined) return undefined;
  const contentType = headerOf(event, 'content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType)) {
    throw new UnsupportedMediaTypeError('Request body must be application/x-www-form-urlencoded');
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

/**
 * A route without a body schema takes no body: anything but nothing or `{}` (what some clients send by
 * habit) is a 400, so `[]`, `null`, `__proto__` or a 30,000-deep array never reach the route.
 */
function noBody<Body>(event: HttpEvent, maxBytes: number): Body {
  const raw = rawBodyOf(event, maxBytes);
  if (raw === undefined || /^\s*(\{\s*\})?\s*$/.test(raw)) return undefined as Body;
  throw new ValidationError('This route takes no body', [{ field: 'body', message: 'must be empty' }]);
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
function httpErrorResponder(): middy.MiddlewareObj<HttpEvent, APIGatewayProxyStructuredResultV2> {
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

/**
 * The one middy stack for HTTP API routes: Lambda context in logs, security headers, CORS, error
 * mapping, JSON body parsing with a size limit, zod validation of body, query and path, and roles
 * from the JWT. The route function gets typed, validated input and returns data or an HttpResult.
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
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return middy<HttpEvent, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpSecurityHeaders())
    .use(httpCors({ origin: '*', headers: 'authorization,content-type' }))
    .use(httpErrorResponder())
    .handler(async function handleHttpRoute(event, context) {
      const principal = principalOf(event);
      authorize(principal, options.roles);
      const request: HttpRequest<Body, Query, Params> = {
        body: options.body
          ? options.bodyFormat === 'form'
            ? // Twilio adds parameters over time and signs them all: a form takes what it is given.
              validate(options.body, parseFormBody(event, maxBodyBytes), 'body')
            : validateJsonBody(options.body, parseJsonBody(event, maxBodyBytes))
          : noBody(event, maxBodyBytes),
        query: validate(options.query, event.queryStringParameters ?? {}, 'query'),
        params: validate(options.params, event.pathParameters ?? {}, 'path'),
        principal,
        headers: event.headers ?? {},
        event,
        context,
      };
      const result = (await route(request)) ?? { statusCode: 204 };
      return jsonResponse(result.statusCode ?? 200, result.body, result.headers);
    });
}
