// Bucket CORS as S3 evaluates it: the first rule whose origin, method and (for preflights) requested
// headers all match decides; a preflight nothing matches is refused with 403; an actual request nothing
// matches simply gets no CORS headers, and the browser blocks the answer. fauxqs has no CORS at all, so
// without this a phone's browser could never upload to the local cloud.

import type { S3Error } from './errors.ts';
import { badRequest, corsForbidden } from './errors.ts';

export type CorsMethod = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';

/**
 * One CORS rule, as in a bucket's CORS configuration. Origins and allowed headers may contain one `*`
 * wildcard (`https://*.example.com`, `x-amz-*`); `*` alone matches anything.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/ManageCorsUsing.html
 */
export interface CorsRule {
  allowedOrigins: readonly string[];
  allowedMethods: readonly CorsMethod[];
  allowedHeaders?: readonly string[];
  exposeHeaders?: readonly string[];
  maxAgeSeconds?: number;
}

/** The answer to a preflight that a rule allows. */
export interface PreflightAnswer {
  status: 200;
  headers: Record<string, string>;
}

const VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

/**
 * The CORS configuration a bucket for browser uploads gets: GET, PUT, POST and HEAD from the given
 * origins (any by default), any request header, ETag and Location readable by scripts.
 */
export function defaultCorsRules(allowedOrigins: readonly string[] = ['*']): CorsRule[] {
  return [
    {
      allowedOrigins,
      allowedMethods: ['GET', 'PUT', 'POST', 'HEAD'],
      allowedHeaders: ['*'],
      exposeHeaders: ['ETag', 'Location', 'x-amz-request-id'],
      maxAgeSeconds: 3000,
    },
  ];
}

/**
 * Answers a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`): the allowing rule's
 * headers, or the `S3Error` S3 answers.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html
 */
export function answerPreflight(
  rules: readonly CorsRule[],
  request: { origin: string | undefined; method: string | undefined; requestHeaders: string | undefined },
  resourceType: 'BUCKET' | 'OBJECT',
): PreflightAnswer | S3Error {
  if (!request.origin) return badRequest('Insufficient information. Origin request header needed.');
  if (!request.method) return badRequest('Invalid Access-Control-Request-Method: null');
  const requested = (request.requestHeaders ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const origin = request.origin;
  const method = request.method;
  const rule = rules.find(
    (candidate) =>
      ruleAllows(candidate, origin, method) &&
      requested.every((name) =>
        (candidate.allowedHeaders ?? []).some((pattern) => wildcardMatch(pattern, name)),
      ),
  );
  if (!rule) return corsForbidden(method, resourceType);
  const headers = ruleHeaders(rule, origin);
  if (requested.length > 0) headers['access-control-allow-headers'] = requested.join(', ');
  return { status: 200, headers };
}

/** CORS headers for an actual (non-preflight) request; empty when it has no `Origin` or no rule allows it. */
export function corsHeaders(
  rules: readonly CorsRule[],
  origin: string | undefined,
  method: string,
): Record<string, string> {
  if (!origin) return {};
  const rule = rules.find((candidate) => ruleAllows(candidate, origin, method));
  return rule ? ruleHeaders(rule, origin) : { vary: VARY };
}

function ruleAllows(rule: CorsRule, origin: string, method: string): boolean {
  return (
    rule.allowedMethods.includes(method.toUpperCase() as CorsMethod) &&
    rule.allowedOrigins.some((pattern) => wildcardMatch(pattern, origin))
  );
}

function ruleHeaders(rule: CorsRule, origin: string): Record<string, string> {
  // S3 answers `*` only when the rule allows any origin; a named origin is echoed, with credentials.
  const anyOrigin = rule.allowedOrigins.includes('*');
  const headers: Record<string, string> = {
    'access-control-allow-origin': anyOrigin ? '*' : origin,
    'access-control-allow-methods': rule.allowedMethods.join(', '),
    vary: VARY,
  };
  if (!anyOrigin) headers['access-control-allow-credentials'] = 'true';
  if (rule.exposeHeaders && rule.exposeHeaders.length > 0) {
    headers['access-control-expose-headers'] = rule.exposeHeaders.join(', ');
  }
  if (rule.maxAgeSeconds !== undefined) headers['access-control-max-age'] = String(rule.maxAgeSeconds);
  return headers;
}

/** Case-insensitive match with at most one `*` standing for any run of characters. */
function wildcardMatch(pattern: string, value: string): boolean {
  const lowerPattern = pattern.toLowerCase();
  const lowerValue = value.toLowerCase();
  const star = lowerPattern.indexOf('*');
  if (star === -1) return lowerPattern === lowerValue;
  const prefix = lowerPattern.slice(0, star);
  const suffix = lowerPattern.slice(star + 1);
  return (
    lowerValue.length >= prefix.length + suffix.length &&
    lowerValue.startsWith(prefix) &&
    lowerValue.endsWith(suffix)
  );
}
