// The site distribution's viewer-request function (CloudFront Functions, runtime cloudfront-js-2.0):
// maps the public page URLs to the page files in the private bucket. Each page reads its token from
// the address bar and asks the API, so any one path segment after the prefix gets the page and the API
// alone decides whether the link is valid: an unknown, malformed or expired link shows the page's own "not found"
// answer, the same every time. Anything else (scripts, styles, assets, config.json) goes to the bucket
// as asked. The rewritten URI is the cache key, so all tracking links share one cached page.
//
// A script, not a module: CloudFront runs `handler(event)` and nothing may be imported or exported.
// The local cloud serves the site through this same file (local/src/http-front.ts), and
// services/site/test/unit/rewrite.test.ts runs it the way CloudFront does.
// @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-javascript-runtime-20.html

const PAGES = [
  // One path segment after the prefix (an optional trailing slash, as phones sometimes add).
  { path: /^\/track\/[^/]+\/?$/, page: '/track.html' },
  // Charter guests: the tracking page, which speaks of the charter and adds the check-in details.
  { path: /^\/g\/[^/]+\/?$/, page: '/track.html' },
  { path: /^\/crew\/[^/]+\/?$/, page: '/crew.html' },
  { path: /^\/book\/?$/, page: '/book.html' },
];

// The first system's tracking links, still in customers' SMS history: `/track?token=…` and
// `/track?job_id=…` (its page at /track/index.html read either; both held the token). They are
// redirected to today's `/track/{token}` (the page reads its token from the path; the jobs service
// knows imported tokens by their hash). Only a value shaped like a token is carried over (whatever the
// query string's encoding, it then needs none, and nothing else can reach the Location header).
const OLD_TRACKING_PATH = /^\/track(\/|\/index\.html)?$/;
const OLD_TOKEN_PARAMETERS = ['token', 'job_id'];
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,128}$/;

function oldTrackingToken(request) {
  if (!OLD_TRACKING_PATH.test(request.uri)) return undefined;
  for (let i = 0; i < OLD_TOKEN_PARAMETERS.length; i++) {
    const parameter = request.querystring[OLD_TOKEN_PARAMETERS[i]];
    // A repeated parameter arrives with multiValue; the first is the one a browser would have used.
    const value = parameter && (parameter.multiValue ? parameter.multiValue[0].value : parameter.value);
    if (value && TOKEN_SHAPE.test(value)) return value;
  }
  return undefined;
}

// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls it by name.
function handler(event) {
  const request = event.request;
  const oldToken = oldTrackingToken(request);
  if (oldToken !== undefined) {
    return {
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: `/track/${oldToken}` } },
    };
  }
  // The bare domain is a customer typing the brand's address: the booking page is what they came for.
  if (request.uri === '/' || request.uri === '/index.html') {
    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/book' } } };
  }
  for (let i = 0; i < PAGES.length; i++) {
    if (PAGES[i].path.test(request.uri)) {
      request.uri = PAGES[i].page;
      break;
    }
  }
  return request;
}
