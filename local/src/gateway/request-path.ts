// How an HTTP API reads the request target before routing. It differs from a plain URL parser in ways app
// code can observe (a handler that rebuilds a URL from `rawPath` sees decoded characters), so it lives in
// one place that the route matcher and the event builder share.

/** The request target split the way API Gateway HTTP APIs split it. */
export interface RequestTarget {
  /**
   * The path as an HTTP API puts it in `rawPath` and `requestContext.http.path`: percent-escapes decoded,
   * except `%25` (a literal `%`), which stays encoded so the path cannot be decoded twice.
   */
  rawPath: string;
  /** Everything after the first `?`, still percent-encoded, without the `?`; `''` when there is none. */
  rawQueryString: string;
}

const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;
const UTF8 = new TextDecoder('utf-8');

/**
 * Splits a Node request URL (`/jobs/a%20b?x=1`) into the HTTP API's `rawPath` and `rawQueryString`.
 * HTTP APIs hand the Lambda a decoded path (unlike REST APIs and function URLs); a decoded `?` ends the path,
 * as API Gateway cuts it there before invoking.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
 */
export function parseRequestTarget(url: string): RequestTarget {
  const target = stripOrigin(url);
  const queryAt = target.indexOf('?');
  const encodedPath = queryAt === -1 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : target.slice(queryAt + 1);
  const decoded = decodeHttpApiPath(encodedPath || '/');
  const questionAt = decoded.indexOf('?');
  return { rawPath: questionAt === -1 ? decoded : decoded.slice(0, questionAt), rawQueryString };
}

/** Decodes every percent-escape but `%25`; invalid UTF-8 becomes U+FFFD rather than failing the request. */
export function decodeHttpApiPath(path: string): string {
  return path.replace(ESCAPE_RUN, function decodeRun(run) {
    let out = '';
    let pending: number[] = [];
    for (let i = 0; i < run.length; i += 3) {
      const byte = Number.parseInt(run.slice(i + 1, i + 3), 16);
      if (byte === 0x25) {
        out += UTF8.decode(Uint8Array.from(pending));
        pending = [];
        out += '%25';
      } else {
        pending.push(byte);
      }
    }
    return out + UTF8.decode(Uint8Array.from(pending));
  });
}

/** The one escape `decodeHttpApiPath` leaves behind, undone: what a path parameter's value is. */
export function decodePathSegment(segment: string): string {
  return segment.replaceAll('%25', '%');
}

/**
 * Path segments for route matching. Extra leading slashes select the same route as one (`//jobs` is `/jobs`);
 * a trailing slash leaves an empty last segment, so `/jobs/` does not match `GET /jobs`.
 */
export function pathSegments(rawPath: string): string[] {
  const path = rawPath.replace(/^\/+/, '');
  return path === '' ? [] : path.split('/');
}

// A proxy-style absolute target (`GET http://host/path`) is legal HTTP/1.1; only its path and query matter.
function stripOrigin(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}
