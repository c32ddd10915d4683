// The HTTP API JWT authorizer: checks exactly what API Gateway checks (signature against the issuer's keys,
// kid, iss, aud/client_id, exp, nbf, iat, route scopes), answers 401/403 the way it does, and passes the
// claims on flattened to strings, the way it does.

import type { JSONWebKeySet, JWTPayload } from 'jose';
import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { JwtContext } from './event.ts';

export type {
  IssueTokenInput,
  LocalIdentityProvider,
  LocalIdentityProviderOptions,
  StaffGroup,
} from './identity-provider.ts';
export { createLocalIdentityProvider } from './identity-provider.ts';

/** One entry of `provider.httpApi.authorizers` (type jwt), with the values resolved for the local cloud. */
export interface JwtAuthorizerConfig {
  /** Must equal the token's `iss` exactly. */
  issuer: string;
  /** The token's `aud` (or, without `aud`, its `client_id`) must be one of these. */
  audiences: readonly string[];
  /** Where the token is: `$request.header.Authorization` or `$request.querystring.<name>`. */
  identitySource: string | readonly string[];
}

/** The issuer's public keys; the local identity provider is one. */
export interface JwksSource {
  jwks(): JSONWebKeySet;
}

/** What the authorizer decided. */
export type JwtAuthorization =
  | ({ ok: true } & JwtContext)
  | {
      ok: false;
      statusCode: 401 | 403;
      message: 'Unauthorized' | 'Forbidden';
      /** The `www-authenticate` header API Gateway sends with a rejected token. */
      wwwAuthenticate: string | undefined;
      /** Why, for the access log. */
      reason: string;
    };

export interface AuthorizeJwtInput {
  config: JwtAuthorizerConfig;
  keys: JwksSource;
  /** Request headers, lower-cased names. */
  headers: Record<string, string | undefined>;
  /** The raw query string (for a `$request.querystring.*` identity source). */
  rawQueryString: string;
  /** The route's authorization scopes; empty or absent means any valid token. */
  routeScopes?: readonly string[];
  /** Default: now. */
  currentDate?: Date;
}

/** RSA algorithms only: an HTTP API JWT authorizer rejects any other. */
const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512'];

/**
 * Authorizes a request the way an HTTP API JWT authorizer does: the token from the identity source (with or
 * without `Bearer `), an RSA signature by a key of the issuer's JWKS named by the token's `kid`, `iss` equal
 * to the issuer, `aud` — or `client_id` when there is no `aud` — among the audiences, `exp` in the future,
 * `nbf` and `iat` not, and at least one of the route's scopes in `scp`/`scope`. A failed check is 401
 * (403 for scopes) and the function is not invoked.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html
 */
export async function authorizeJwt(input: AuthorizeJwtInput): Promise<JwtAuthorization> {
  const routeScopes = input.routeScopes ?? [];
  const token = tokenFromIdentitySource(input.config.identitySource, input.headers, input.rawQueryString);
  if (!token) return unauthorized(routeScopes, undefined, 'no token in the identity source');

  let algorithm: string | undefined;
  let keyId: string | undefined;
  try {
    ({ alg: algorithm, kid: keyId } = decodeProtectedHeader(token));
  } catch {
    return unauthorized(routeScopes, 'the token is malformed');
  }
  if (!algorithm || !RSA_ALGORITHMS.includes(algorithm)) {
    return unauthorized(routeScopes, `signing method ${algorithm ?? 'none'} is invalid`);
  }
  if (!keyId) return unauthorized(routeScopes, 'the token has no kid header');

  const currentDate = input.currentDate ?? new Date();
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, createLocalJWKSet(input.keys.jwks()), {
      algorithms: RSA_ALGORITHMS,
      issuer: input.config.issuer,
      requiredClaims: ['exp'],
      currentDate,
    }));
  } catch (error) {
    return unauthorized(routeScopes, describeVerifyError(error));
  }
  if (typeof payload.iat === 'number' && payload.iat > Math.floor(currentDate.getTime() / 1000)) {
    return unauthorized(routeScopes, 'the token was issued in the future');
  }
  if (!hasValidAudience(payload, input.config.audiences)) {
    return unauthorized(routeScopes, 'the token does not have a valid audience');
  }

  const scopes = scopesOf(payload);
  if (routeScopes.length > 0 && !routeScopes.some((scope) => scopes?.includes(scope))) {
    return {
      ok: false,
      statusCode: 403,
      message: 'Forbidden',
      wwwAuthenticate: `Bearer scope="${routeScopes.join(' ')}" error="insufficient_scope" error_description="expected scopes: [${routeScopes.join(' ')}]"`,
      reason: 'the token has none of the route scopes',
    };
  }
  return { ok: true, claims: flattenClaims(payload), scopes };
}

/**
 * Claims as API Gateway passes them in `requestContext.authorizer.jwt.claims`: strings unchanged, numbers
 * and booleans as strings, arrays in its bracketed space-separated form (`cognito:groups` →
 * `[admin dispatcher]`), objects as JSON text, null claims left out.
 */
export function flattenClaims(payload: Record<string, unknown>): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) claims[name] = `[${value.map(claimText).join(' ')}]`;
    else claims[name] = claimText(value);
  }
  return claims;
}

/** The token from the identity source, `Bearer ` prefix removed; undefined when absent or empty. */
export function tokenFromIdentitySource(
  identitySource: string | readonly string[],
  headers: Record<string, string | undefined>,
  rawQueryString: string,
): string | undefined {
  // A JWT authorizer has exactly one identity source.
  const source = (typeof identitySource === 'string' ? identitySource : identitySource[0]) ?? '';
  let value: string | undefined;
  if (source.startsWith('$request.header.')) {
    value = headers[source.slice('$request.header.'.length).toLowerCase()];
  } else if (source.startsWith('$request.querystring.')) {
    value =
      new URLSearchParams(rawQueryString).get(source.slice('$request.querystring.'.length)) ?? undefined;
  }
  const token = value?.trim().replace(/^bearer\s+/i, '');
  return token ? token : undefined;
}

function claimText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function hasValidAudience(payload: JWTPayload, audiences: readonly string[]): boolean {
  // `client_id` counts only when there is no `aud`: an access token from Cognito has no `aud`.
  const claimed =
    payload.aud !== undefined
      ? [payload.aud].flat()
      : typeof payload.client_id === 'string'
        ? [payload.client_id]
        : [];
  return claimed.some((audience) => audiences.includes(audience));
}

function scopesOf(payload: JWTPayload): string[] | null {
  const { scp, scope } = payload;
  if (Array.isArray(scp)) return scp.map(String);
  if (typeof scp === 'string') return scp.split(/\s+/).filter(Boolean);
  if (typeof scope === 'string') return scope.split(/\s+/).filter(Boolean);
  return null;
}

function describeVerifyError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'the token does not have a valid issuer';
    if (error.claim === 'nbf') return 'the token is not valid yet';
    if (error.claim === 'exp') return 'the token has no expiry';
    return `the token's ${error.claim} claim is invalid`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of the issuer matches the token kid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token signing method is invalid';
  return 'the token is malformed';
}

function unauthorized(
  routeScopes: readonly string[],
  description: string | undefined,
  reason?: string,
): JwtAuthorization {
  // A missing token is rejected without a token error; a bad one says why, as API Gateway does.
  const wwwAuthenticate =
    description === undefined
      ? undefined
      : `Bearer scope="${routeScopes.join(' ')}" error="invalid_token" error_description="${description}"`;
  return {
    ok: false,
    statusCode: 401,
    message: 'Unauthorized',
    wwwAuthenticate,
    reason: reason ?? description ?? 'unauthorized',
  };
}
