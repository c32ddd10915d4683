// The console port (QDN_CONSOLE_PORT): the dispatcher console as its CloudFront distribution serves it
// (the built app, `/config.json` the deploy step writes, every app path answered with index.html), and
// the local stand-in for the Cognito Hosted UI on the same origin: `/oauth2/authorize` (a dev login page
// listing test users per role), `/oauth2/token` (authorization code + PKCE, refresh tokens) and
// `/logout`. Tokens come from the local identity provider's own minting (the `token` function of the
// HTTP front), so the API's authorizer verifies them exactly as it verifies Cognito's.
// Local only; never deployed.

import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { buildConsole, cacheControlFor } from '../../services/console/build.ts';
import type { StaffGroup } from './gateway/index.ts';
import { LOCAL_SECRETS } from './local-secrets.ts';

/** A test user of the dev login page. */
export interface ConsoleTestUser {
  username: string;
  name: string;
  role: StaffGroup;
  /** Drivers: the crew id their token carries (`custom:crewId`). */
  crewId?: string;
}

/** One user per role, two drivers (so a test can show a driver sees only their own jobs). */
export const CONSOLE_TEST_USERS: readonly ConsoleTestUser[] = [
  { username: 'dana', name: 'Dana (dispatcher)', role: 'dispatcher' },
  { username: 'alex', name: 'Alex (admin)', role: 'admin' },
  { username: 'diego', name: 'Diego (driver, crew-diego)', role: 'driver', crewId: 'crew-diego' },
  { username: 'riley', name: 'Riley (driver, crew-riley)', role: 'driver', crewId: 'crew-riley' },
];

/** The files of the built console: path (`/app.js`) → content and type. */
export interface ConsoleFiles {
  get(path: string): { body: Buffer | string; type: string } | undefined;
}

export interface ConsoleOriginOptions {
  /** This origin, e.g. `http://localhost:3002`. */
  consoleUrl: string;
  apiUrl: string;
  /** The app client id Cognito would check (`client_id`). */
  clientId: string;
  files: ConsoleFiles;
  /** Mints an ID token for a user, signed by the local identity provider. */
  token(role: StaffGroup, claims: { sub: string; email: string; crewId?: string }): Promise<string>;
  /** The distribution's response headers (CSP, Referrer-Policy, …) on the app's answers. */
  headers?: Record<string, string>;
  /** The board map's style (config.json's `map.styleUrl`); none, no map. */
  mapStyleUrl?: string;
  /** The business's time zone (config.json's `timeZone`): the day the board opens on, wherever the device is. */
  timeZone?: string;
  /** ID token lifetime the token endpoint reports (what the minting uses). */
  expiresInSeconds: number;
  now?: () => number;
}

const CODE_TTL_MS = 5 * 60_000;
const BRANDS_FILE = fileURLToPath(new URL('../../shared/config/brands.local.json', import.meta.url));

interface PendingCode {
  user: ConsoleTestUser;
  redirectUri: string;
  codeChallenge: string;
  expiresAt: number;
}

function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
  });
  response.end(JSON.stringify(body));
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 16 * 1024) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** base64url(sha256(verifier)): the S256 code challenge (RFC 7636 §4.2). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/**
 * The console origin's request handler. The authorization endpoint accepts only this client and
 * redirect URIs on this origin, and only S256 challenges; codes are single use and expire in 5 minutes;
 * refresh tokens live as long as the process (a restart signs everyone out, as a new pool would).
 */
export function createConsoleOrigin(options: ConsoleOriginOptions) {
  const now = options.now ?? Date.now;
  const codes = new Map<string, PendingCode>();
  const refreshTokens = new Map<string, ConsoleTestUser>();
  const origin = new URL(options.consoleUrl).origin;

  async function tokensFor(user: ConsoleTestUser) {
    const idToken = await options.token(user.role, {
      sub: `local-${user.username}`,
      email: `${user.username}@qdn.local`,
      ...(user.crewId ? { crewId: user.crewId } : {}),
    });
    return { id_token: idToken, token_type: 'Bearer', expires_in: options.expiresInSeconds };
  }

  function authorizeProblem(query: URLSearchParams): string | undefined {
    if (query.get('response_type') !== 'code') return 'response_type must be code';
    if (query.get('client_id') !== options.clientId) return 'unknown client_id';
    const redirectUri = query.get('redirect_uri') ?? '';
    let redirect: URL;
    try {
      redirect = new URL(redirectUri);
    } catch {
      return 'redirect_uri is not a URL';
    }
    if (redirect.origin !== origin) return `redirect_uri must be on ${origin}`;
    if (query.get('code_challenge_method') !== 'S256' || !query.get('code_challenge'))
      return 'a PKCE code_challenge with method S256 is required';
    return undefined;
  }

  function loginPage(query: URLSearchParams): string {
    const hidden = [...query.entries()]
      .map(([name, value]) => `<input type="hidden" name="${html(name)}" value="${html(value)}">`)
      .join('');
    const byRole = (['dispatcher', 'admin', 'driver'] as const).map((role) => {
      const buttons = CONSOLE_TEST_USERS.filter((user) => user.role === role)
        .map(
          (user) =>
            `<button type="submit" name="username" value="${html(user.username)}">${html(user.name)}</button>`,
        )
        .join('');
      return `<fieldset><legend>${role}s</legend>${buttons}</fieldset>`;
    });
    return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in · QDN local</title>
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#1f2937}
fieldset{border:1px solid #d1d5db;border-radius:8px;margin:1rem 0;padding:.5rem 1rem 1rem}
legend{font-weight:600;text-transform:capitalize}button{display:block;width:100%;margin-top:.5rem;
padding:.75rem;font:inherit;border:1px solid #1f2937;border-radius:6px;background:#fff;cursor:pointer}
p{color:#4b5563}</style></head><body><main><h1>Sign in (local)</h1>
<p>The local stand-in for the Cognito Hosted UI: pick a test user. In AWS this is the user pool's own
sign-in page.</p><form method="post" action="/oauth2/authorize">${hidden}${byRole.join('')}</form>
</main></body></html>`;
  }

  async function authorize(request: IncomingMessage, response: ServerResponse, url: URL) {
    const query = request.method === 'POST' ? await readForm(request) : url.searchParams;
    const problem = authorizeProblem(query);
    if (problem) {
      response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`invalid_request: ${problem}\n`);
      return;
    }
    if (request.method !== 'POST') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(loginPage(query));
      return;
    }
    const user = CONSOLE_TEST_USERS.find((candidate) => candidate.username === query.get('username'));
    if (!user) {
      response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('invalid_request: unknown test user\n');
      return;
    }
    const code = randomBytes(24).toString('base64url');
    codes.set(code, {
      user,
      redirectUri: query.get('redirect_uri')!,
      codeChallenge: query.get('code_challenge')!,
      expiresAt: now() + CODE_TTL_MS,
    });
    const redirect = new URL(query.get('redirect_uri')!);
    redirect.searchParams.set('code', code);
    const state = query.get('state');
    if (state !== null) redirect.searchParams.set('state', state);
    response.writeHead(302, { location: redirect.toString(), 'cache-control': 'no-store' });
    response.end();
  }

  async function token(request: IncomingMessage, response: ServerResponse) {
    if (request.method !== 'POST') return sendJson(response, 405, { error: 'invalid_request' });
    if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? ''))
      return sendJson(response, 400, { error: 'invalid_request' });
    const form = await readForm(request);
    if (form.get('client_id') !== options.clientId)
      return sendJson(response, 400, { error: 'invalid_client' });
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      const code = form.get('code') ?? '';
      const pending = codes.get(code);
      codes.delete(code); // single use, whatever the outcome
      if (
        !pending ||
        pending.expiresAt < now() ||
        pending.redirectUri !== form.get('redirect_uri') ||
        pending.codeChallenge !== s256(form.get('code_verifier') ?? '')
      ) {
        return sendJson(response, 400, { error: 'invalid_grant' });
      }
      const refreshToken = randomBytes(32).toString('base64url');
      refreshTokens.set(refreshToken, pending.user);
      return sendJson(response, 200, { ...(await tokensFor(pending.user)), refresh_token: refreshToken });
    }
    if (grantType === 'refresh_token') {
      const user = refreshTokens.get(form.get('refresh_token') ?? '');
      if (!user) return sendJson(response, 400, { error: 'invalid_grant' });
      return sendJson(response, 200, await tokensFor(user));
    }
    return sendJson(response, 400, { error: 'unsupported_grant_type' });
  }

  function logout(response: ServerResponse, url: URL) {
    const target = url.searchParams.get('logout_uri') ?? '';
    if (url.searchParams.get('client_id') !== options.clientId || !target.startsWith(origin)) {
      response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('invalid_request: client_id and a logout_uri on this origin are required\n');
      return;
    }
    response.writeHead(302, { location: target, 'cache-control': 'no-store' });
    response.end();
  }

  const config = JSON.stringify({
    apiBaseUrl: options.apiUrl,
    auth: { domain: origin, clientId: options.clientId },
    ...(options.mapStyleUrl ? { map: { styleUrl: options.mapStyleUrl } } : {}),
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  });
  // The app's answers only: the OAuth endpoints stand in for Cognito's own domain, not the distribution.
  const policyHeaders = options.headers ?? {};

  return async function handleConsole(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const url = new URL(request.url ?? '/', origin);
      if (url.pathname === '/oauth2/authorize') return await authorize(request, response, url);
      if (url.pathname === '/oauth2/token') return await token(request, response);
      if (url.pathname === '/logout') return logout(response, url);
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('Only GET and HEAD.\n');
        return;
      }
      if (url.pathname === '/config.json') {
        response.writeHead(200, {
          ...policyHeaders,
          'content-type': 'application/json',
          'cache-control': 'no-cache',
        });
        response.end(config);
        return;
      }
      // App routes (no file extension) are the app's own page, as the distribution's error responses do.
      const file =
        options.files.get(url.pathname) ??
        (/\.[a-z0-9]+$/i.test(url.pathname) ? undefined : options.files.get('/index.html'));
      if (!file) {
        response.writeHead(404, { ...policyHeaders, 'content-type': 'text/plain; charset=utf-8' });
        response.end('Not found\n');
        return;
      }
      response.writeHead(200, {
        ...policyHeaders,
        'content-type': file.type,
        'cache-control': cacheControlFor(url.pathname),
      });
      response.end(request.method === 'HEAD' ? undefined : file.body);
    } catch (error) {
      sendJson(response, 500, { error: (error as Error).message });
    }
  };
}

/**
 * Builds the console (esbuild, in memory, ≈0.3–0.6 s with the map chunk) and answers the console port with it. The token
 * minting is the HTTP front's: one signer for dev tokens, the OAuth flow and the authorizer's keys.
 */
/** The local brands' time zone: their default brand's (every local brand is in San Diego). */
function localBusinessTimeZone(): string {
  const catalog = JSON.parse(readFileSync(BRANDS_FILE, 'utf8')) as {
    defaultBrandId: string;
    brands: { brandId: string; timeZone: string }[];
  };
  const brand = catalog.brands.find((candidate) => candidate.brandId === catalog.defaultBrandId);
  if (!brand) throw new Error(`brands.local.json: no default brand ${catalog.defaultBrandId}`);
  return brand.timeZone;
}

export async function startConsoleOrigin(options: {
  consoleUrl: string;
  apiUrl: string;
  token(role: StaffGroup, claims: { sub?: string; email?: string; crewId?: string }): Promise<string>;
  headers?: Record<string, string>;
  mapStyleUrl?: string;
}) {
  const built = await buildConsole();
  const handle = createConsoleOrigin({
    ...options,
    timeZone: localBusinessTimeZone(),
    clientId: LOCAL_SECRETS.userPoolClientId,
    files: { get: (path) => built.files.get(path) },
    // What the HTTP front's minting gives every local token.
    expiresInSeconds: 12 * 60 * 60,
  });
  return {
    handle,
    jsGzipBytes: built.firstLoadJsGzipBytes,
    mapChunk: built.mapChunk,
    mapJsGzipBytes: built.mapJsGzipBytes,
  };
}
