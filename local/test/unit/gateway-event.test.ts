import { describe, expect, it } from '@jest/globals';
import type { RequestHead } from '../../src/gateway/event.ts';
import { buildHttpApiEvent, formatRequestTime, isTextContentType } from '../../src/gateway/event.ts';
import { parseRequestTarget } from '../../src/gateway/request-path.ts';

const RECEIVED_AT = Date.UTC(2026, 10, 22, 12, 0, 0, 123);

function request(method: string, rawHeaders: string[]): RequestHead {
  return {
    method,
    httpVersion: '1.1',
    rawHeaders,
    socket: { remoteAddress: '::ffff:192.0.2.1', localPort: 4000 },
  };
}

describe('HTTP API payload 2.0 event', () => {
  it('given the request of the AWS example, when the event is built, then it has the documented shape', () => {
    const event = buildHttpApiEvent({
      request: request('POST', [
        'Host',
        'api-id.execute-api.us-east-1.amazonaws.com',
        'Header1',
        'value1',
        'Header2',
        'value1',
        'Header2',
        'value2',
        'Cookie',
        'cookie1; cookie2',
        'User-Agent',
        'agent',
        'Content-Type',
        'text/plain',
        'X-Amzn-Trace-Id',
        'Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e',
      ]),
      target: parseRequestTarget('/my/path?parameter1=value1&parameter1=value2&parameter2=value'),
      body: Buffer.from('Hello from Lambda'),
      apiId: 'api-id',
      domainName: 'id.execute-api.us-east-1.amazonaws.com',
      requestId: 'id',
      receivedAt: RECEIVED_AT,
      routeKey: '$default',
      pathParameters: undefined,
    });

    expect(event).toEqual({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/my/path',
      rawQueryString: 'parameter1=value1&parameter1=value2&parameter2=value',
      cookies: ['cookie1', 'cookie2'],
      headers: {
        host: 'api-id.execute-api.us-east-1.amazonaws.com',
        header1: 'value1',
        header2: 'value1,value2',
        'user-agent': 'agent',
        'content-type': 'text/plain',
        'x-amzn-trace-id': 'Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e',
        'x-forwarded-for': '192.0.2.1',
        'x-forwarded-port': '4000',
        'x-forwarded-proto': 'http',
      },
      queryStringParameters: { parameter1: 'value1,value2', parameter2: 'value' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'api-id',
        domainName: 'id.execute-api.us-east-1.amazonaws.com',
        domainPrefix: 'id',
        http: {
          method: 'POST',
          path: '/my/path',
          protocol: 'HTTP/1.1',
          sourceIp: '192.0.2.1',
          userAgent: 'agent',
        },
        requestId: 'id',
        routeKey: '$default',
        stage: '$default',
        time: '22/Nov/2026:12:00:00 +0000',
        timeEpoch: RECEIVED_AT,
      },
      body: 'Hello from Lambda',
      isBase64Encoded: false,
    });
    expect(event).not.toHaveProperty('stageVariables');
    expect(event.headers).not.toHaveProperty('cookie');
  });

  it('given a bodyless GET without query, cookies or parameters, when built, then those fields are absent', () => {
    const event = buildHttpApiEvent({
      request: request('get', ['Host', '127.0.0.1:4000']),
      target: parseRequestTarget('/jobs'),
      body: Buffer.alloc(0),
      apiId: 'local',
      requestId: 'r1',
      receivedAt: RECEIVED_AT,
      routeKey: 'GET /jobs',
      pathParameters: undefined,
    });

    for (const field of ['cookies', 'queryStringParameters', 'pathParameters', 'body', 'stageVariables']) {
      expect(event).not.toHaveProperty(field);
    }
    expect(event.rawQueryString).toBe('');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.requestContext.http.method).toBe('GET');
    expect(event.requestContext.http.userAgent).toBe('');
    expect(event.requestContext.domainName).toBe('127.0.0.1:4000');
    expect(event.requestContext.domainPrefix).toBe('127');
    expect(event.requestContext).not.toHaveProperty('authorizer');
    expect(event.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });

  it('given an encoded path and query, when built, then rawPath is decoded but %25, rawQueryString is not', () => {
    const event = buildHttpApiEvent({
      request: request('GET', []),
      target: parseRequestTarget('/brands/Queen%20of%20San%20Diego/100%25?q=a%20b&q=c+d&flag'),
      body: Buffer.alloc(0),
      apiId: 'local',
      requestId: 'r1',
      receivedAt: RECEIVED_AT,
      routeKey: 'GET /brands/{brandId}/{x}',
      pathParameters: { brandId: 'Queen of San Diego', x: '100%' },
    });

    expect(event.rawPath).toBe('/brands/Queen of San Diego/100%25');
    expect(event.requestContext.http.path).toBe('/brands/Queen of San Diego/100%25');
    expect(event.rawQueryString).toBe('q=a%20b&q=c+d&flag');
    expect(event.queryStringParameters).toEqual({ q: 'a b,c d', flag: '' });
    expect(event.pathParameters).toEqual({ brandId: 'Queen of San Diego', x: '100%' });
  });

  it('given __proto__, constructor or toString as a query parameter or header, when built, then each is an own field like any other', () => {
    // Found by the fuzz suite: `?__proto__=x` vanished (it set the object's prototype) and `?toString=x`
    // became "function toString() { [native code] },x", so a strict query schema never saw them.
    const event = buildHttpApiEvent({
      request: request('GET', ['__proto__', 'h', 'Constructor', 'c']),
      target: parseRequestTarget('/jobs?__proto__=%5B%5D&toString=x&constructor=y'),
      body: Buffer.alloc(0),
      apiId: 'local',
      requestId: 'r1',
      receivedAt: RECEIVED_AT,
      routeKey: 'GET /jobs',
      pathParameters: undefined,
    });

    const query = event.queryStringParameters!;
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
    expect(Object.entries(query)).toEqual([
      ['__proto__', '[]'],
      ['toString', 'x'],
      ['constructor', 'y'],
    ]);
    expect(Object.hasOwn(event.headers, '__proto__')).toBe(true);
    expect(event.headers.constructor).toBe('c');
  });

  it('given a Twilio form post, when built, then the body is base64 as API Gateway sends form bodies', () => {
    const form = 'From=%2B16195550100&Body=Running+late';
    const event = buildHttpApiEvent({
      request: request('POST', ['Content-Type', 'application/x-www-form-urlencoded']),
      target: parseRequestTarget('/twilio/inbound'),
      body: Buffer.from(form),
      apiId: 'local',
      requestId: 'r1',
      receivedAt: RECEIVED_AT,
      routeKey: 'POST /twilio/inbound',
      pathParameters: undefined,
    });

    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64').toString('utf8')).toBe(form);
  });

  it('given a verified JWT, when built, then claims and scopes are in requestContext.authorizer.jwt', () => {
    const claims = { sub: 'u-1', 'cognito:groups': '[dispatcher admin]', exp: '1795000000' };
    const event = buildHttpApiEvent({
      request: request('GET', []),
      target: parseRequestTarget('/jobs'),
      body: Buffer.alloc(0),
      apiId: 'local',
      requestId: 'r1',
      receivedAt: RECEIVED_AT,
      routeKey: 'GET /jobs',
      pathParameters: undefined,
      jwt: { claims, scopes: null },
    });

    expect(event.requestContext.authorizer).toEqual({ jwt: { claims, scopes: null } });
  });

  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['Text/HTML', true],
    ['application/xml', true],
    ['application/javascript', true],
    ['application/x-www-form-urlencoded', false],
    ['multipart/form-data; boundary=x', false],
    ['application/octet-stream', false],
    ['image/jpeg', false],
    [undefined, false],
  ])('given content type %s, when classified, then it is text: %s', (contentType, text) => {
    expect(isTextContentType(contentType)).toBe(text);
  });

  it('given an epoch, when formatted, then it reads like requestContext.time', () => {
    expect(formatRequestTime(Date.UTC(2020, 2, 12, 19, 3, 58))).toBe('12/Mar/2020:19:03:58 +0000');
  });
});
