import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { AccessLogEntry, HttpApiEvent, LocalIdentityProvider } from '../../src/gateway/index.ts';
import { createHttpGateway, createLocalIdentityProvider } from '../../src/gateway/index.ts';
import { createLocalServer } from '../../src/http-server.ts';

const ISSUER = 'https://cognito-idp.us-west-2.amazonaws.com/us-west-2_local';
const AUDIENCE = 'local-dashboard';

interface Invocation {
  functionKey: string;
  event: HttpApiEvent;
}

describe('local HTTP API gateway over HTTP', () => {
  let dir: string;
  let idp: LocalIdentityProvider;
  let server: Server;
  let baseUrl: string;
  const invocations: Invocation[] = [];
  const accessLog: AccessLogEntry[] = [];

  // A stand-in for the local cloud's function runner: answers by function key.
  async function invoke(functionKey: string, event: HttpApiEvent): Promise<unknown> {
    invocations.push({ functionKey, event });
    switch (functionKey) {
      case 'jobs.getBrand':
        return { brandId: event.pathParameters?.brandId, name: 'QuickDumpNow' };
      case 'jobs.createJob':
        return {
          statusCode: 201,
          headers: {
            'content-type': 'application/json',
            'access-control-allow-origin': 'https://evil.example',
            'access-control-expose-headers': 'x-internal',
          },
          cookies: ['a=1; Path=/', 'b=2; HttpOnly'],
          body: JSON.stringify({
            received: event.body,
            principal: event.requestContext.authorizer?.jwt.claims.sub,
          }),
        };
      case 'jobs.explode':
        throw new Error('Task timed out after 10.00 seconds');
      case 'jobs.slow':
        return new Promise((resolve) => setTimeout(() => resolve('late'), 500));
      case 'jobs.malformed':
        return { statusCode: 200, body: { not: 'a string' } };
      default:
        return 'ok';
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qdn-gateway-http-'));
    idp = await createLocalIdentityProvider({ dir, issuer: ISSUER, audience: AUDIENCE });
    const gateway = createHttpGateway({
      apiId: 'local-api',
      routes: [
        { routeKey: 'GET /brands/{brandId}', functionKey: 'jobs.getBrand' },
        { routeKey: 'POST /jobs', functionKey: 'jobs.createJob', authorizer: { name: 'staff' } },
        { routeKey: 'GET /explode', functionKey: 'jobs.explode' },
        { routeKey: 'GET /slow', functionKey: 'jobs.slow' },
        { routeKey: 'GET /malformed', functionKey: 'jobs.malformed' },
        { routeKey: 'POST /upload', functionKey: 'media.upload' },
        { routeKey: 'POST /book', functionKey: 'jobs.book' },
      ],
      cors: {
        allowedOrigins: ['https://dispatch.quickdumpnow.com'],
        allowedHeaders: ['authorization', 'content-type'],
        allowedMethods: ['GET', 'POST'],
        maxAge: 600,
      },
      authorizers: {
        staff: { issuer: ISSUER, audiences: [AUDIENCE], identitySource: '$request.header.Authorization' },
      },
      keys: idp,
      invoke,
      maxBodyBytes: 1024,
      integrationTimeoutMs: 200,
      throttle: { RouteSettings: { 'POST /book': { ThrottlingBurstLimit: 1, ThrottlingRateLimit: 0.001 } } },
      fallback: function localControlApi(req, res) {
        if (!req.url?.startsWith('/_local/')) return false;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('control');
        return true;
      },
      log: (entry) => accessLog.push(entry),
    });
    server = createLocalServer(gateway);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(() => {
    invocations.length = 0;
    accessLog.length = 0;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
    await rm(dir, { recursive: true, force: true });
  });

  it('given a keep-alive client, when it is answered, then the server keeps the connection and announces no idle timeout for the client to race', async () => {
    // Act
    const response = await fetch(`${baseUrl}/brands/qdn`);
    await response.text();

    // Assess: with no `Keep-Alive: timeout=` the client alone closes an idle connection.
    expect(response.headers.get('connection')).toBe('keep-alive');
    expect(response.headers.get('keep-alive')).toBeNull();
    expect(server.keepAliveTimeout).toBe(0);
  });

  it('given a public route, when it is called, then the function gets a 2.0 event and its value is 200 JSON', async () => {
    const response = await fetch(`${baseUrl}/brands/quick%20dump?ref=sms&ref=web`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('apigw-requestid')).toMatch(/^[A-Za-z0-9+/]{15}=$/);
    expect(await response.json()).toEqual({ brandId: 'quick dump', name: 'QuickDumpNow' });
    const [call] = invocations;
    expect(call?.functionKey).toBe('jobs.getBrand');
    expect(call?.event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /brands/{brandId}',
      rawPath: '/brands/quick dump',
      rawQueryString: 'ref=sms&ref=web',
      queryStringParameters: { ref: 'sms,web' },
      pathParameters: { brandId: 'quick dump' },
      isBase64Encoded: false,
      requestContext: {
        apiId: 'local-api',
        domainName: baseUrl.slice('http://'.length),
        http: { method: 'GET', path: '/brands/quick dump', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
        requestId: response.headers.get('apigw-requestid'),
        stage: '$default',
      },
    });
    expect(accessLog).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/brands/quick dump',
        status: 200,
        routeKey: 'GET /brands/{brandId}',
      }),
    ]);
  });

  it('given a protected route and no token, when called, then 401 Unauthorized and the function is not invoked', async () => {
    const response = await fetch(`${baseUrl}/jobs`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
    expect(invocations).toEqual([]);
    expect(accessLog[0]).toMatchObject({
      status: 401,
      routeKey: 'POST /jobs',
      error: 'no token in the identity source',
    });
  });

  it('given an expired token, when called, then 401 with the www-authenticate reason', async () => {
    const token = await idp.issueToken({
      sub: 'user-1',
      groups: ['dispatcher'],
      issuedAt: new Date(Date.now() - 7200_000),
    });

    const response = await fetch(`${baseUrl}/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer scope="" error="invalid_token" error_description="the token has expired"',
    );
    expect(invocations).toEqual([]);
  });

  it('given a valid token and an allowed origin, when a job is posted, then claims, cookies and CORS are right', async () => {
    const token = await idp.issueToken({
      sub: 'user-1',
      email: 'dana@qdn.com',
      groups: ['dispatcher', 'admin'],
    });

    const response = await fetch(`${baseUrl}/jobs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        origin: 'https://dispatch.quickdumpnow.com',
        cookie: 'session=abc; theme=dark',
      },
      body: JSON.stringify({ service: 'dump-trailer' }),
    });

    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ received: '{"service":"dump-trailer"}', principal: 'user-1' });
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://dispatch.quickdumpnow.com');
    expect(response.headers.get('access-control-expose-headers')).toBeNull();
    const event = invocations[0]!.event;
    expect(event.requestContext.authorizer?.jwt).toEqual({
      claims: expect.objectContaining({
        sub: 'user-1',
        'cognito:groups': '[dispatcher admin]',
        aud: AUDIENCE,
      }),
      scopes: null,
    });
    expect(event.cookies).toEqual(['session=abc', 'theme=dark']);
    expect(event.headers).not.toHaveProperty('cookie');
  });

  it('given CORS, when a browser sends a preflight, then the gateway answers it without invoking anything', async () => {
    const response = await fetch(`${baseUrl}/jobs`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://dispatch.quickdumpnow.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://dispatch.quickdumpnow.com');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(invocations).toEqual([]);
  });

  it('given a binary upload, when posted, then the function receives it base64-encoded', async () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x10]);

    await fetch(`${baseUrl}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: bytes,
    });

    expect(invocations[0]?.event).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
  });

  it('given a body over the payload limit, when posted, then 413 and no invocation', async () => {
    const response = await fetch(`${baseUrl}/upload`, { method: 'POST', body: 'x'.repeat(2048) });

    expect(response.status).toBe(413);
    expect(await response.text()).toBe('HTTP content length exceeded 1024 bytes.');
    expect(invocations).toEqual([]);
  });

  it('given a chunked body over the limit without content-length, when posted, then 413 too', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${baseUrl}/upload`, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 4; i++) req.write('y'.repeat(512));
      req.end();
    });

    expect(status).toBe(413);
    expect(invocations).toEqual([]);
  });

  it('given a failing function, when called, then 500 Internal Server Error', async () => {
    const response = await fetch(`${baseUrl}/explode`);

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
    expect(accessLog[0]?.error).toBe('function error: Task timed out after 10.00 seconds');
  });

  it('given a malformed function response, when called, then 500 Internal Server Error', async () => {
    const response = await fetch(`${baseUrl}/malformed`);

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('given a function slower than the integration timeout, when called, then 503 Service Unavailable', async () => {
    const response = await fetch(`${baseUrl}/slow`);

    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ message: 'Service Unavailable' });
  });

  it('given a throttled route, when called twice at once, then the second is 429 Too Many Requests', async () => {
    const first = await fetch(`${baseUrl}/book`, { method: 'POST' });
    const second = await fetch(`${baseUrl}/book`, { method: 'POST' });

    expect(first.status).toBe(200);
    expect(second.status).toBe(429);
    expect(await second.json()).toEqual({ message: 'Too Many Requests' });
    expect(invocations).toHaveLength(1);
  });

  it('given an unknown path, when called, then the fallback may answer, else 404 Not Found', async () => {
    const control = await fetch(`${baseUrl}/_local/health`);
    const missing = await fetch(`${baseUrl}/nowhere`);

    expect(control.status).toBe(200);
    expect(await control.text()).toBe('control');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'Not Found' });
    expect(accessLog.map((entry) => [entry.path, entry.status, entry.fallback])).toEqual([
      ['/_local/health', 200, true],
      ['/nowhere', 404, undefined],
    ]);
  });

  it('given a wrong method on a known path, when called, then 404 Not Found', async () => {
    const response = await fetch(`${baseUrl}/brands/qdn`, { method: 'DELETE' });

    expect(response.status).toBe(404);
    expect(invocations).toEqual([]);
  });
});
