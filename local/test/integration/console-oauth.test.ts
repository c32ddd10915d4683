import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CONSOLE_TEST_USERS, createConsoleOrigin, s256 } from '../../src/console-origin.ts';
import { createLocalIdentityProvider, type LocalIdentityProvider } from '../../src/gateway/index.ts';
import { authorizeJwt } from '../../src/gateway/jwt.ts';
import { createLocalServer } from '../../src/http-server.ts';

// The console port's stand-in for the Cognito Hosted UI, over HTTP as the browser uses it: the dev
// login page, authorization code + PKCE, refresh, logout; tokens the API's authorizer accepts.

const CLIENT_ID = 'qdn-local-dashboard';
let server: Server;
let origin: string;
let identity: LocalIdentityProvider;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qdn-console-oauth-'));
  identity = await createLocalIdentityProvider({
    dir,
    issuer: 'https://cognito-idp.us-west-2.amazonaws.com/us-west-2_qdnlocal',
    audience: CLIENT_ID,
  });
  server = createLocalServer((request, response) => handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const handle = createConsoleOrigin({
    consoleUrl: origin,
    apiUrl: 'http://127.0.0.1:1',
    clientId: CLIENT_ID,
    files: {
      get: (path) => (path === '/index.html' ? { body: '<!doctype html>app', type: 'text/html' } : undefined),
    },
    token: (role, claims) =>
      identity.issueToken({
        sub: claims.sub,
        email: claims.email,
        groups: [role],
        ...(claims.crewId ? { crewId: claims.crewId } : {}),
      }),
    expiresInSeconds: 3600,
    timeZone: 'America/Los_Angeles',
  });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const verifier = 'a-verifier-of-enough-length-0123456789-abcdefghij';
function authorizeQuery(overrides: Record<string, string> = {}) {
  return new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: `${origin}/callback`,
    state: 'state-1',
    code_challenge: s256(verifier),
    code_challenge_method: 'S256',
    ...overrides,
  });
}

async function codeFor(username: string, query = authorizeQuery()) {
  const response = await fetch(`${origin}/oauth2/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...Object.fromEntries(query), username }),
    redirect: 'manual',
  });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location')!);
  expect(location.searchParams.get('state')).toBe('state-1');
  return location.searchParams.get('code')!;
}

const token = (form: Record<string, string>) =>
  fetch(`${origin}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT_ID, ...form }),
  });

const authorize = (idToken: string) =>
  authorizeJwt({
    config: {
      issuer: identity.issuer,
      audiences: [CLIENT_ID],
      identitySource: '$request.header.Authorization',
    },
    keys: identity,
    headers: { authorization: `Bearer ${idToken}` },
    rawQueryString: '',
  });

describe('the local Hosted UI', () => {
  it('lists the test users per role on its login page', async () => {
    const page = await (await fetch(`${origin}/oauth2/authorize?${authorizeQuery()}`)).text();
    for (const user of CONSOLE_TEST_USERS) expect(page).toContain(user.name);
    expect(page).toContain('<legend>drivers</legend>');
  });

  it('refuses another client, a foreign redirect or no PKCE', async () => {
    const refused: Record<string, string>[] = [
      { client_id: 'someone-else' },
      { redirect_uri: 'https://evil.example/callback' },
      { code_challenge_method: 'plain' },
    ];
    for (const bad of refused) {
      const response = await fetch(`${origin}/oauth2/authorize?${authorizeQuery(bad)}`);
      expect(response.status).toBe(400);
    }
  });

  it('trades a code and its verifier for an ID token the authorizer accepts, with the driver crew id', async () => {
    const code = await codeFor('diego');
    const response = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${origin}/callback`,
      code_verifier: verifier,
    });
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as { id_token: string; refresh_token: string; expires_in: number };
    expect(tokens.expires_in).toBe(3600);
    const decision = await authorize(tokens.id_token);
    expect(decision).toMatchObject({ ok: true });
    if (!decision.ok) throw new Error('refused');
    expect(decision.claims['cognito:groups']).toBe('[driver]');
    expect(decision.claims['custom:crewId']).toBe('crew-diego');

    // The code is single use.
    const again = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${origin}/callback`,
      code_verifier: verifier,
    });
    expect(again.status).toBe(400);

    // Refresh: a new ID token for the same user.
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as { id_token: string };
    expect((await authorize(next.id_token)).ok).toBe(true);
  });

  it('refuses a wrong verifier or redirect, and an unknown refresh token', async () => {
    const wrongVerifier = await token({
      grant_type: 'authorization_code',
      code: await codeFor('dana'),
      redirect_uri: `${origin}/callback`,
      code_verifier: 'not-the-verifier',
    });
    expect(await wrongVerifier.json()).toEqual({ error: 'invalid_grant' });
    const wrongRedirect = await token({
      grant_type: 'authorization_code',
      code: await codeFor('dana'),
      redirect_uri: `${origin}/elsewhere`,
      code_verifier: verifier,
    });
    expect(wrongRedirect.status).toBe(400);
    expect((await token({ grant_type: 'refresh_token', refresh_token: 'made-up' })).status).toBe(400);
  });

  it('logs out back to the console only', async () => {
    const ok = await fetch(
      `${origin}/logout?client_id=${CLIENT_ID}&logout_uri=${encodeURIComponent(`${origin}/signed-out`)}`,
      { redirect: 'manual' },
    );
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toBe(`${origin}/signed-out`);
    const away = await fetch(`${origin}/logout?client_id=${CLIENT_ID}&logout_uri=https://evil.example/`, {
      redirect: 'manual',
    });
    expect(away.status).toBe(400);
  });

  it("answers every app path with the app, and config.json with the origins and the business's time zone", async () => {
    expect(await (await fetch(`${origin}/requests`)).text()).toContain('app');
    expect((await fetch(`${origin}/missing.js`)).status).toBe(404);
    expect(await (await fetch(`${origin}/config.json`)).json()).toEqual({
      apiBaseUrl: 'http://127.0.0.1:1',
      auth: { domain: origin, clientId: CLIENT_ID },
      timeZone: 'America/Los_Angeles',
    });
  });
});
