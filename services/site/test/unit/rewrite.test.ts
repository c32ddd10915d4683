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
  querystring: Record<string, { value: string }>;
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
