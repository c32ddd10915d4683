import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { JwtAuthorizerConfig, LocalIdentityProvider } from '../../src/gateway/jwt.ts';
import { authorizeJwt, createLocalIdentityProvider, flattenClaims } from '../../src/gateway/jwt.ts';

const ISSUER = 'https://cognito-idp.us-west-2.amazonaws.com/us-west-2_local';
const AUDIENCE = 'local-dashboard';
const STAFF: JwtAuthorizerConfig = {
  issuer: ISSUER,
  audiences: [AUDIENCE],
  identitySource: '$request.header.Authorization',
};

describe('JWT authorizer and local identity provider', () => {
  let dir: string;
  let idp: LocalIdentityProvider;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qdn-gateway-jwt-'));
    idp = await createLocalIdentityProvider({ dir: join(dir, 'keys'), issuer: ISSUER, audience: AUDIENCE });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function authorize(
    authorization: string | undefined,
    extra: Partial<Parameters<typeof authorizeJwt>[0]> = {},
  ) {
    return authorizeJwt({
      config: STAFF,
      keys: idp,
      headers: authorization === undefined ? {} : { authorization },
      rawQueryString: '',
      ...extra,
    });
  }

  function dispatcherToken(overrides: Parameters<LocalIdentityProvider['issueToken']>[0] | object = {}) {
    return idp.issueToken({
      sub: 'user-1',
      email: 'dana@quickdumpnow.com',
      groups: ['dispatcher'],
      ...overrides,
    });
  }

  describe('the local identity provider', () => {
    it('given a fresh directory, when created, then the key is persisted privately and reused after a restart', async () => {
      const token = await dispatcherToken();
      const keyFile = join(dir, 'keys', 'jwt-signing-key.json');
      const restarted = await createLocalIdentityProvider({
        dir: join(dir, 'keys'),
        issuer: ISSUER,
        audience: AUDIENCE,
      });

      expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(keyFile, 'utf8'))).toMatchObject({
        kty: 'RSA',
        alg: 'RS256',
        kid: idp.keyId,
      });
      expect(restarted.keyId).toBe(idp.keyId);
      expect(
        await authorizeJwt({
          config: STAFF,
          keys: restarted,
          headers: { authorization: token },
          rawQueryString: '',
        }),
      ).toMatchObject({ ok: true });
    });

    it('given the provider, when its JWKS is read, then it holds only the public RSA key', () => {
      const [key, ...others] = idp.jwks().keys;

      expect(others).toEqual([]);
      expect(key).toMatchObject({ kty: 'RSA', kid: idp.keyId, alg: 'RS256', use: 'sig' });
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(secret);
    });

    it('given a staff user, when an ID token is issued, then it carries the Cognito ID token claims', async () => {
      const token = await idp.issueToken({
        sub: 'user-1',
        email: 'dana@quickdumpnow.com',
        groups: ['dispatcher', 'admin'],
        expiresInSeconds: 900,
      });
      const claims = decodeJwt(token);

      expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: idp.keyId });
      expect(claims).toMatchObject({
        sub: 'user-1',
        iss: ISSUER,
        aud: AUDIENCE,
        token_use: 'id',
        'cognito:groups': ['dispatcher', 'admin'],
        'cognito:username': 'user-1',
        email: 'dana@quickdumpnow.com',
        email_verified: true,
      });
      expect(claims.exp! - claims.iat!).toBe(900);
      expect(claims.auth_time).toBe(claims.iat);
    });

    it('given a driver with a crew id, when a token is issued, then it carries custom:crewId as Cognito does', async () => {
      const token = await idp.issueToken({ sub: 'user-7', groups: ['driver'], crewId: 'crew_ana' });

      expect(decodeJwt(token)).toMatchObject({ 'cognito:groups': ['driver'], 'custom:crewId': 'crew_ana' });
      expect(await authorize(token)).toMatchObject({ ok: true, claims: { 'custom:crewId': 'crew_ana' } });
      expect(decodeJwt(await dispatcherToken())).not.toHaveProperty('custom:crewId');
    });

    it('given tokenUse access, when issued, then it has client_id and scope instead of aud and email', async () => {
      const claims = decodeJwt(await dispatcherToken({ tokenUse: 'access' }));

      expect(claims).toMatchObject({ client_id: AUDIENCE, token_use: 'access', username: 'user-1' });
      expect(claims).not.toHaveProperty('aud');
      expect(claims).not.toHaveProperty('email');
    });
  });

  describe('authorizing a request', () => {
    it('given a valid token without the Bearer prefix, when authorized, then the flattened claims pass on', async () => {
      const token = await idp.issueToken({
        sub: 'user-1',
        groups: ['dispatcher', 'admin'],
        email: 'd@q.com',
      });

      const result = await authorize(token);

      expect(result).toMatchObject({
        ok: true,
        scopes: null,
        claims: {
          sub: 'user-1',
          'cognito:groups': '[dispatcher admin]',
          email_verified: 'true',
          aud: AUDIENCE,
          iss: ISSUER,
        },
      });
      if (result.ok) expect(result.claims.exp).toMatch(/^\d+$/);
    });

    it('given a valid token with the Bearer prefix, when authorized, then it passes', async () => {
      expect(await authorize(`Bearer ${await dispatcherToken()}`)).toMatchObject({ ok: true });
      expect(await authorize(`bearer ${await dispatcherToken()}`)).toMatchObject({ ok: true });
    });

    it('given an access token (client_id, no aud), when authorized, then client_id is the audience checked', async () => {
      const result = await authorize(await dispatcherToken({ tokenUse: 'access' }));

      expect(result).toMatchObject({ ok: true, scopes: ['aws.cognito.signin.user.admin'] });
    });

    it('given no Authorization header, when authorized, then 401 without a token error', async () => {
      expect(await authorize(undefined)).toEqual({
        ok: false,
        statusCode: 401,
        message: 'Unauthorized',
        wwwAuthenticate: undefined,
        reason: 'no token in the identity source',
      });
      expect(await authorize('Bearer ')).toMatchObject({ ok: false, statusCode: 401 });
    });

    it('given a token from another issuer signed with the right key, when authorized, then 401', async () => {
      const foreign = await createLocalIdentityProvider({
        dir: join(dir, 'keys'),
        issuer: 'https://cognito-idp.us-west-2.amazonaws.com/us-west-2_other',
        audience: AUDIENCE,
      });

      const result = await authorize(await foreign.issueToken({ sub: 'user-1', groups: ['admin'] }));

      expect(result).toMatchObject({
        ok: false,
        statusCode: 401,
        wwwAuthenticate:
          'Bearer scope="" error="invalid_token" error_description="the token does not have a valid issuer"',
      });
    });

    it('given a token for another audience, when authorized, then 401 with the documented description', async () => {
      const result = await authorize(await dispatcherToken({ extraClaims: { aud: 'another-client' } }));

      expect(result).toMatchObject({
        ok: false,
        statusCode: 401,
        wwwAuthenticate:
          'Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"',
      });
    });

    it('given aud and client_id, when aud is wrong, then client_id does not rescue it', async () => {
      const token = await dispatcherToken({ extraClaims: { aud: 'another-client', client_id: AUDIENCE } });

      expect(await authorize(token)).toMatchObject({ ok: false, statusCode: 401 });
    });

    it('given an expired token, when authorized, then 401 "the token has expired"', async () => {
      const token = await dispatcherToken({
        issuedAt: new Date(Date.now() - 2 * 3600_000),
        expiresInSeconds: 3600,
      });

      expect(await authorize(token)).toMatchObject({
        ok: false,
        statusCode: 401,
        reason: 'the token has expired',
      });
    });

    it('given a token without exp, when authorized, then 401', async () => {
      const result = await authorize(await dispatcherToken({ extraClaims: { exp: undefined } }));

      expect(result).toMatchObject({ ok: false, statusCode: 401, reason: 'the token has no expiry' });
    });

    it('given a token valid in the future, when authorized now, then 401', async () => {
      const later = Math.floor(Date.now() / 1000) + 600;

      expect(await authorize(await dispatcherToken({ extraClaims: { nbf: later } }))).toMatchObject({
        ok: false,
        reason: 'the token is not valid yet',
      });
      expect(await authorize(await dispatcherToken({ issuedAt: new Date(later * 1000) }))).toMatchObject({
        ok: false,
        reason: 'the token was issued in the future',
      });
    });

    it('given a token whose payload was altered after signing, when authorized, then 401 for the signature', async () => {
      const [header, , signature] = (await dispatcherToken()).split('.');
      const forged = Buffer.from(
        JSON.stringify({ ...decodeJwt(await dispatcherToken()), 'cognito:groups': ['admin'] }),
      ).toString('base64url');

      const result = await authorize(`Bearer ${header}.${forged}.${signature}`);

      expect(result).toMatchObject({ ok: false, statusCode: 401, reason: 'the token signature is invalid' });
    });

    it('given a token signed by another key, when authorized, then 401 as no issuer key matches', async () => {
      const stranger = await createLocalIdentityProvider({
        dir: join(dir, 'other-keys'),
        issuer: ISSUER,
        audience: AUDIENCE,
      });

      const result = await authorize(await stranger.issueToken({ sub: 'user-1', groups: ['admin'] }));

      expect(result).toMatchObject({
        ok: false,
        statusCode: 401,
        reason: 'no key of the issuer matches the token kid',
      });
    });

    it('given a non-RSA or unsigned token, when authorized, then 401', async () => {
      const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;

      expect(await authorize(none)).toMatchObject({ ok: false, reason: 'signing method none is invalid' });
      expect(await authorize('not-a-jwt')).toMatchObject({ ok: false, reason: 'the token is malformed' });
    });

    it('given a route with scopes, when the token has none of them, then 403 Forbidden', async () => {
      const token = await dispatcherToken({ tokenUse: 'access' });

      expect(await authorize(token, { routeScopes: ['jobs/write'] })).toMatchObject({
        ok: false,
        statusCode: 403,
        message: 'Forbidden',
      });
      expect(
        await authorize(token, { routeScopes: ['jobs/write', 'aws.cognito.signin.user.admin'] }),
      ).toMatchObject({
        ok: true,
      });
    });

    it('given a query-string identity source, when the token is there, then it is used', async () => {
      const token = await dispatcherToken();
      const config = { ...STAFF, identitySource: ['$request.querystring.token'] };

      const result = await authorizeJwt({ config, keys: idp, headers: {}, rawQueryString: `token=${token}` });

      expect(result).toMatchObject({ ok: true });
    });
  });

  it('given claims of every JSON type, when flattened, then they take the form API Gateway passes', () => {
    expect(
      flattenClaims({
        sub: 'u',
        exp: 1795000000,
        email_verified: true,
        'cognito:groups': ['admin', 'driver'],
        nickname: null,
        address: { country: 'US' },
      }),
    ).toEqual({
      sub: 'u',
      exp: '1795000000',
      email_verified: 'true',
      'cognito:groups': '[admin driver]',
      address: '{"country":"US"}',
    });
  });
});
