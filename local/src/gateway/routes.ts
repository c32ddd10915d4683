// Route keys as serverless declares them (`httpApi: 'GET /brands/{brandId}'`, `'*'`) compiled once, and
// a request matched to the most specific one the way an HTTP API selects it.

import { decodePathSegment, pathSegments } from './request-path.ts';

/** The JWT authorizer a route is behind, by the name it has in `provider.httpApi.authorizers`. */
export interface RouteAuthorizer {
  name: string;
  /** The route's `authorizationScopes`: the token must carry at least one of them (else 403). */
  scopes?: readonly string[];
}

/** One route as the lead reads it from a service's `serverless.yml`. */
export interface RouteDefinition {
  /**
   * `GET /brands/{brandId}`, `POST /jobs`, `ANY /x/{proxy+}`, `* /x` (serverless's any-method form),
   * `$default` or `*` (serverless's catch-all, deployed as `$default`).
   */
  routeKey: string;
  /** Which function to invoke; opaque to the gateway (e.g. `jobs.getBrand`). */
  functionKey: string;
  authorizer?: RouteAuthorizer;
}

type Segment =
  | { kind: 'literal'; value: string }
  | { kind: 'param'; name: string }
  | { kind: 'greedy'; name: string };

/** A route with its key in API Gateway's canonical form (`ANY`, `$default`) and its path parsed. */
export interface CompiledRoute {
  /** As the event's `routeKey` carries it: `GET /brands/{brandId}`, `ANY /x/{proxy+}`, `$default`. */
  routeKey: string;
  /** `ANY` or an upper-case method. */
  method: string;
  /** Null for `$default`. */
  segments: readonly Segment[] | null;
  definition: RouteDefinition;
}

/** Compiled routes, ready for `matchRoute`. */
export interface RouteTable {
  routes: readonly CompiledRoute[];
  defaultRoute: CompiledRoute | undefined;
}

/** The selected route and the path parameters it captured (URL-decoded). */
export interface RouteMatch {
  route: CompiledRoute;
  /** Absent when the route has none, as in the event. */
  pathParameters: Record<string, string> | undefined;
}

/** The methods an HTTP API route may name (serverless accepts the same set). */
export const ROUTE_METHODS: ReadonlySet<string> = new Set([
  'ANY',
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
]);

const PARAM_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Parses and validates route keys; throws on what API Gateway (or serverless) would reject at deploy:
 * unknown methods, paths not starting with `/`, a greedy variable not at the end, variables that are only
 * part of a segment, duplicate parameter names, the same route key twice.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
 */
export function compileRoutes(definitions: readonly RouteDefinition[]): RouteTable {
  const routes: CompiledRoute[] = [];
  let defaultRoute: CompiledRoute | undefined;
  const seen = new Set<string>();
  for (const definition of definitions) {
    const route = compileRoute(definition);
    if (seen.has(route.routeKey)) throw new Error(`Duplicate HTTP API route '${route.routeKey}'`);
    seen.add(route.routeKey);
    if (route.segments === null) defaultRoute = route;
    else routes.push(route);
  }
  return { routes, defaultRoute };
}

/** Canonical route key: `* /x` → `ANY /x`, `*` → `$default`, methods upper-cased. */
export function canonicalRouteKey(routeKey: string): string {
  return compileRoute({ routeKey, functionKey: '' }).routeKey;
}

/**
 * Selects the route for a request, or undefined (the API answers 404 `{"message":"Not Found"}`).
 * Priority, as documented: a full match of path and method, then a match through a greedy `{proxy+}`
 * variable, then `$default`. Among full (or among greedy) matches the path is compared segment by segment
 * from the left, a literal beating a `{param}` beating `{proxy+}`; on equal paths a named method beats `ANY`.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html#http-api-develop-routes.evaluation
 */
export function matchRoute(table: RouteTable, method: string, rawPath: string): RouteMatch | undefined {
  const requested = pathSegments(rawPath);
  const upperMethod = method.toUpperCase();
  let best: { route: CompiledRoute; params: Record<string, string>; rank: number[] } | undefined;
  for (const route of table.routes) {
    if (route.method !== 'ANY' && route.method !== upperMethod) continue;
    const params = matchSegments(route.segments ?? [], requested);
    if (!params) continue;
    const rank = rankOf(route);
    if (!best || compareRanks(rank, best.rank) > 0) best = { route, params, rank };
  }
  if (best) {
    const hasParams = Object.keys(best.params).length > 0;
    return { route: best.route, pathParameters: hasParams ? best.params : undefined };
  }
  return table.defaultRoute ? { route: table.defaultRoute, pathParameters: undefined } : undefined;
}

function compileRoute(definition: RouteDefinition): CompiledRoute {
  const key = definition.routeKey.trim();
  if (key === '$default' || key === '*') {
    return { routeKey: '$default', method: 'ANY', segments: null, definition };
  }
  const parts = /^(\S+) (\S+)$/.exec(key);
  if (!parts) throw new Error(`Invalid HTTP API route key '${definition.routeKey}': expected 'METHOD /path'`);
  const rawMethod = parts[1]!.toUpperCase();
  const method = rawMethod === '*' ? 'ANY' : rawMethod;
  if (!ROUTE_METHODS.has(method)) {
    throw new Error(`Invalid HTTP API route key '${definition.routeKey}': unsupported method '${parts[1]}'`);
  }
  const path = parts[2]!;
  const segments = compilePath(path, definition.routeKey);
  return { routeKey: `${method} ${path}`, method, segments, definition };
}

function compilePath(path: string, routeKey: string): Segment[] {
  if (!path.startsWith('/'))
    throw new Error(`Invalid HTTP API route key '${routeKey}': path must start with /`);
  if (path === '/') return [];
  const names = new Set<string>();
  const raw = path.slice(1).split('/');
  return raw.map(function compileSegment(text, index): Segment {
    if (text === '') throw new Error(`Invalid HTTP API route key '${routeKey}': empty path segment`);
    const variable = /^\{([^{}]+)\}$/.exec(text);
    if (!variable) {
      if (/[{}]/.test(text)) {
        throw new Error(`Invalid HTTP API route key '${routeKey}': a path variable must be a whole segment`);
      }
      return { kind: 'literal', value: text };
    }
    const greedy = variable[1]!.endsWith('+');
    const name = greedy ? variable[1]!.slice(0, -1) : variable[1]!;
    if (!PARAM_NAME.test(name))
      throw new Error(`Invalid HTTP API route key '${routeKey}': bad variable '${text}'`);
    if (names.has(name))
      throw new Error(`Invalid HTTP API route key '${routeKey}': duplicate variable '${name}'`);
    names.add(name);
    if (greedy && index !== raw.length - 1) {
      throw new Error(`Invalid HTTP API route key '${routeKey}': a greedy variable must end the path`);
    }
    return greedy ? { kind: 'greedy', name } : { kind: 'param', name };
  });
}

// Path parameters come out decoded (API Gateway decodes request parameters before the integration sees them).
function matchSegments(
  segments: readonly Segment[],
  requested: readonly string[],
): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.kind === 'greedy') {
      // A greedy variable needs at least one segment: `/x/{proxy+}` does not match `/x` or `/x/`.
      const rest = requested.slice(i).join('/');
      if (rest === '') return null;
      params[segment.name] = decodePathSegment(rest);
      return params;
    }
    const actual = requested[i];
    if (actual === undefined || actual === '') return null;
    if (segment.kind === 'literal') {
      if (decodePathSegment(actual) !== segment.value) return null;
    } else {
      params[segment.name] = decodePathSegment(actual);
    }
  }
  return requested.length === segments.length ? params : null;
}

const SEGMENT_WEIGHT = { literal: 3, param: 2, greedy: 1 } as const;

// [full match?, per-segment weights left to right..., named method?]; compared lexicographically.
function rankOf(route: CompiledRoute): number[] {
  const segments = route.segments ?? [];
  const greedy = segments.some((segment) => segment.kind === 'greedy');
  return [
    greedy ? 0 : 1,
    ...segments.map((segment) => SEGMENT_WEIGHT[segment.kind]),
    route.method === 'ANY' ? 0 : 1,
  ];
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  // Ranks of routes matching the same request differ in length only through greedy routes; the method flag
  // is always last, so compare the shared path prefix first, then the method.
  const pathA = a.slice(0, -1);
  const pathB = b.slice(0, -1);
  for (let i = 0; i < Math.max(pathA.length, pathB.length); i++) {
    const diff = (pathA[i] ?? 0) - (pathB[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return (a.at(-1) ?? 0) - (b.at(-1) ?? 0);
}
