import { readFileSync } from 'node:fs';
import { createContext, Script } from 'node:vm';
import { describe, expect, it } from '@jest/globals';

// The site's viewer-request function (src/edge/rewrite.js), run the way CloudFront runs a
// cloudfront-js-2.0 function: the file is evaluated as a script in a context with no require, process
// or module system, then its top-level handler(event) is called with a viewer-request event.
// @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html
const FILE = new URL('../../src/edge/rewrite.js', import.meta.url);
const source = readFileSync(FILE, 'utf8');

interface CloudFrontRequest {
  method: string;
  uri: string;
  querystring: Record<string, { value: string; multiValue?: { value: string }[] }>;
  headers: Record<string, { value: string }>;
  cookies: Record<string, { value: string }>;
}

function loadFunction(): (event: unknown) => CloudFrontRequest {
  const context = createContext({});
  new Script(source, { filename: 'rewrite.js' }).runInContext(context);
  return (context as { handler: (event: unknown) => CloudFrontRequest }).handler;
}

const handler = loadFunction();

function viewerRequest(uri: string, querystring: CloudFrontRequest['querystring'] = {}) {
  return {
    version: '1.0',
    context: {
      distributionDomainName: 'd111111abcdef8.cloudfront.net',
      distributionId: 'EDFDVBD6EXAMPLE',
      eventType: 'viewer-request',
      requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==',
    },
    viewer: { ip: '198.51.100.11' },
    request: {
      method: 'GET',
      uri,
      querystring,
      headers: { host: { value: 'track.quickdumpnow.com' }, 'user-agent': { value: 'Mobile Safari' } },
      cookies: {},
    },
  };
}

const TRACKING_TOKEN = 'Yk3x_Q9-vR2mN8pL4tW7zA1bC5dE6fGh'; // 32 characters, as the jobs service issues them
const CREW_TOKEN = 'Q2l0eS1vZi1TYW4tRGllZ28tY3Jldy1saW5rLXRva2Vu'.slice(0, 43); // 43, as scc-bridge issues them

describe('the site rewrite function', () => {
  it('is a plain script for cloudfront-js-2.0: no imports, exports or require, under the 10 KB limit', () => {
    expect(source).not.toMatch(/^\s*(import|export)\s/m);
    expect(source).not.toMatch(/\brequire\s*\(|\bmodule\.exports\b/);
    expect(Buffer.byteLength(source)).toBeLessThan(10 * 1024);
    expect(typeof handler).toBe('function');
  });

  it.each([
    ['a tracking link', `/track/${TRACKING_TOKEN}`, '/track.html'],
    ['a tracking link with a trailing slash', `/track/${TRACKING_TOKEN}/`, '/track.html'],
    [
      'a malformed tracking token (the page shows the not-found answer)',
      '/track/not-a-real-token',
      '/track.html',
    ],
    ['a charter guest link', `/g/${TRACKING_TOKEN}`, '/track.html'],
    ['a charter guest link with a trailing slash', `/g/${TRACKING_TOKEN}/`, '/track.html'],
    ['a crew link', `/crew/${CREW_TOKEN}`, '/crew.html'],
    ['a crew link with a trailing slash', `/crew/${CREW_TOKEN}/`, '/crew.html'],
    ['the booking page', '/book', '/book.html'],
    ['the booking page with a trailing slash', '/book/', '/book.html'],
  ])('given %s (%s), then the request goes to %s', (_what, uri, page) => {
    // Act
    const request = handler(viewerRequest(uri));

    // Assess
    expect(request.uri).toBe(page);
  });

  it.each([
    '/track',
    '/track/',
    `/track/${TRACKING_TOKEN}/photos`,
    `/tracking/${TRACKING_TOKEN}`,
    `/TRACK/${TRACKING_TOKEN}`,
    '/g',
    '/g/',
    `/g/${TRACKING_TOKEN}/extra`,
    '/crew',
    '/crew/',
    `/crew/${CREW_TOKEN}/checklist`,
    '/book.html',
    '/book/now',
    '/booking',
    '/bookings',
    '/track.html',
    '/crew.html',
    '/404.html',
    '/config.json',
    '/robots.txt',
    '/js/track.js',
    '/css/site.css',
    '/assets/qdn/logo.svg',
  ])('given %s, then it is left alone', (uri) => {
    expect(handler(viewerRequest(uri)).uri).toBe(uri);
  });

  it.each(['/', '/index.html'])(
    'given the bare site %s, then a redirect to the booking page (the origin is not asked)',
    (uri) => {
      expect(handler(viewerRequest(uri))).toEqual({
        statusCode: 302,
        statusDescription: 'Found',
        headers: { location: { value: '/book' } },
      });
    },
  );

  describe("the first system's tracking links (issue 19)", () => {
    const OLD_TOKEN = 'f3c9a1b2d4e5f60718293a4b5c6d7e8f';
    const movedTo = (location: string) => ({
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: location } },
    });

    it.each([
      ['/track?token=…', '/track', { token: { value: OLD_TOKEN } }],
      ['/track/?token=…', '/track/', { token: { value: OLD_TOKEN } }],
      ['/track/index.html?token=…', '/track/index.html', { token: { value: OLD_TOKEN } }],
      ['/track?job_id=…', '/track', { job_id: { value: OLD_TOKEN } }],
      [
        '/track?token=… with other parameters',
        '/track',
        { utm_source: { value: 'sms' }, token: { value: OLD_TOKEN } },
      ],
      [
        '/track?token=…&token=… (the first counts)',
        '/track',
        { token: { value: OLD_TOKEN, multiValue: [{ value: OLD_TOKEN }, { value: 'other-token-value' }] } },
      ],
    ])(
      'given %s, then a permanent redirect to /track/{token} (the origin is not asked)',
      (_what, uri, query) => {
        expect(handler(viewerRequest(uri, query))).toEqual(movedTo(`/track/${OLD_TOKEN}`));
      },
    );

    it('given both forms at once, then token wins over job_id', () => {
      const request = viewerRequest('/track', {
        job_id: { value: 'job-id-form-0001' },
        token: { value: OLD_TOKEN },
      });
      expect(handler(request)).toEqual(movedTo(`/track/${OLD_TOKEN}`));
    });

    it.each([
      ['an empty token', '/track', { token: { value: '' } }],
      [
        'a value no token looks like (nothing of it reaches the Location header)',
        '/track',
        { token: { value: '../x\r\nSet-Cookie: a=b' } },
      ],
      ['a token far too long', '/track', { token: { value: 'a'.repeat(129) } }],
      ['another page with a token parameter', '/book', { token: { value: OLD_TOKEN } }],
      [
        'a token path with the old parameter too',
        `/track/${TRACKING_TOKEN}`,
        { token: { value: OLD_TOKEN } },
      ],
    ])('given %s, then no redirect', (_what, uri, query) => {
      const result = handler(viewerRequest(uri, query)) as CloudFrontRequest & { statusCode?: number };
      expect(result.statusCode).toBeUndefined();
      expect(result.querystring).toEqual(query);
    });
  });

  it('given a page URL with a query string, then the query string, method and headers pass through unchanged', () => {
    // Prepare
    const event = viewerRequest('/book', { brand: { value: 'jada' } });

    // Act
    const request = handler(event);

    // Assess
    expect(request).toBe(event.request);
    expect(request).toEqual({
      method: 'GET',
      uri: '/book.html',
      querystring: { brand: { value: 'jada' } },
      headers: { host: { value: 'track.quickdumpnow.com' }, 'user-agent': { value: 'Mobile Safari' } },
      cookies: {},
    });
  });
});
