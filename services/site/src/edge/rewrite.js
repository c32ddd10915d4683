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

// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls it by name.
function handler(event) {
  const request = event.request;
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
