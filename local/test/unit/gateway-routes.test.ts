import { describe, expect, it } from '@jest/globals';
import { canonicalRouteKey, compileRoutes, matchRoute } from '../../src/gateway/routes.ts';

function table(...routeKeys: string[]) {
  return compileRoutes(routeKeys.map((routeKey) => ({ routeKey, functionKey: `fn:${routeKey}` })));
}

function selected(routeKeys: string[], method: string, path: string) {
  return matchRoute(table(...routeKeys), method, path)?.route.routeKey;
}

describe('HTTP API routes', () => {
  describe('compiling route keys', () => {
    it('given serverless route keys, when compiled, then they take the canonical form API Gateway deploys', () => {
      expect(canonicalRouteKey('get /brands/{brandId}')).toBe('GET /brands/{brandId}');
      expect(canonicalRouteKey('* /x/{proxy+}')).toBe('ANY /x/{proxy+}');
      expect(canonicalRouteKey('*')).toBe('$default');
      expect(canonicalRouteKey('$default')).toBe('$default');
      expect(canonicalRouteKey('POST /jobs')).toBe('POST /jobs');
    });

    it.each([
      ['FETCH /jobs', /unsupported method/],
      ['GET jobs', /must start with \//],
      ['GET /x/{proxy+}/y', /greedy variable must end/],
      ['GET /x/a{id}', /whole segment/],
      ['GET /x/{id}/{id}', /duplicate variable/],
      ['GET /x//y', /empty path segment/],
      ['/jobs', /expected 'METHOD \/path'/],
    ])('given the invalid key %s, when compiled, then it is rejected as at deploy', (routeKey, message) => {
      expect(() => table(routeKey)).toThrow(message);
    });

    it('given the same route twice (once in serverless form), when compiled, then it is rejected', () => {
      expect(() => table('ANY /jobs', '* /jobs')).toThrow(/Duplicate HTTP API route 'ANY \/jobs'/);
      expect(() => table('*', '$default')).toThrow(/Duplicate/);
    });
  });

  describe('selecting the most specific route', () => {
    // The example routes of the AWS "Routing API requests" section.
    const petRoutes = ['GET /pets/dog/1', 'GET /pets/dog/{id}', 'ANY /pets/{proxy+}', '$default'];

    it.each([
      ['GET', '/pets/dog/1', 'GET /pets/dog/1'],
      ['GET', '/pets/dog/2', 'GET /pets/dog/{id}'],
      ['GET', '/pets/cat/1', 'ANY /pets/{proxy+}'],
      ['POST', '/pets/dog/1', 'ANY /pets/{proxy+}'],
      ['GET', '/pets', '$default'],
      ['DELETE', '/elsewhere', '$default'],
    ])('given the AWS example routes, when %s %s arrives, then %s is selected', (method, path, routeKey) => {
      expect(selected(petRoutes, method, path)).toBe(routeKey);
    });

    it('given a literal and a parameter in the same place, when both match, then the literal wins', () => {
      expect(selected(['GET /jobs/{jobId}', 'GET /jobs/today'], 'GET', '/jobs/today')).toBe(
        'GET /jobs/today',
      );
      expect(selected(['GET /jobs/{jobId}', 'GET /jobs/today'], 'GET', '/jobs/j-1')).toBe(
        'GET /jobs/{jobId}',
      );
    });

    it('given routes differing further right, when both match, then the leftmost literal decides', () => {
      const routes = ['GET /jobs/{jobId}/photos', 'GET /{kind}/today/photos'];
      expect(selected(routes, 'GET', '/jobs/today/photos')).toBe('GET /jobs/{jobId}/photos');
    });

    it('given a full match and a greedy match with more literals, when both match, then the full match wins', () => {
      const routes = ['GET /{a}/{b}/{c}', 'GET /x/y/{proxy+}'];
      expect(selected(routes, 'GET', '/x/y/z')).toBe('GET /{a}/{b}/{c}');
    });

    it('given two greedy routes, when both match, then the one with the longer literal prefix wins', () => {
      expect(selected(['ANY /{proxy+}', 'ANY /media/{proxy+}'], 'GET', '/media/a/b')).toBe(
        'ANY /media/{proxy+}',
      );
    });

    it('given a method route and an ANY route on the same path, when the method matches, then it beats ANY', () => {
      const routes = ['ANY /jobs', 'POST /jobs'];
      expect(selected(routes, 'POST', '/jobs')).toBe('POST /jobs');
      expect(selected(routes, 'GET', '/jobs')).toBe('ANY /jobs');
    });

    it('given a route for another method only, when the request path matches it, then a lesser route is used', () => {
      expect(selected(['POST /jobs/today', 'GET /jobs/{jobId}'], 'GET', '/jobs/today')).toBe(
        'GET /jobs/{jobId}',
      );
    });

    it('given no route and no $default, when a request arrives, then nothing matches (404)', () => {
      expect(matchRoute(table('GET /jobs'), 'GET', '/brands')).toBeUndefined();
      expect(matchRoute(table('GET /jobs'), 'DELETE', '/jobs')).toBeUndefined();
    });

    it('given a trailing slash or a missing segment, when matched, then the route does not match', () => {
      expect(selected(['GET /jobs', 'GET /jobs/{jobId}'], 'GET', '/jobs/')).toBeUndefined();
      expect(selected(['ANY /x/{proxy+}'], 'GET', '/x')).toBeUndefined();
      expect(selected(['ANY /x/{proxy+}'], 'GET', '/x/')).toBeUndefined();
    });

    it('given extra leading slashes, when matched, then the route is selected as for one slash', () => {
      expect(selected(['GET /jobs'], 'GET', '//jobs')).toBe('GET /jobs');
    });

    it('given the root route, when / arrives, then it matches', () => {
      expect(selected(['GET /', 'GET /{id}'], 'GET', '/')).toBe('GET /');
    });
  });

  describe('path parameters', () => {
    it('given a parameter route, when matched, then the value is captured URL-decoded', () => {
      const match = matchRoute(table('GET /brands/{brandId}'), 'GET', '/brands/queen of san diego %25 off');

      expect(match?.pathParameters).toEqual({ brandId: 'queen of san diego % off' });
    });

    it('given a greedy route, when matched, then the rest of the path is captured', () => {
      const match = matchRoute(table('ANY /x/{proxy+}'), 'PUT', '/x/a/b/c.jpg');

      expect(match?.route.routeKey).toBe('ANY /x/{proxy+}');
      expect(match?.pathParameters).toEqual({ proxy: 'a/b/c.jpg' });
    });

    it('given a route without variables or $default, when matched, then pathParameters is absent', () => {
      expect(matchRoute(table('POST /jobs'), 'POST', '/jobs')?.pathParameters).toBeUndefined();
      expect(matchRoute(table('*'), 'GET', '/anything')?.pathParameters).toBeUndefined();
    });

    it('given the definition of a route, when matched, then its function and authorizer come along', () => {
      const routes = compileRoutes([
        { routeKey: 'POST /jobs', functionKey: 'jobs.createJob', authorizer: { name: 'staff' } },
      ]);

      expect(matchRoute(routes, 'post', '/jobs')?.route.definition).toEqual({
        routeKey: 'POST /jobs',
        functionKey: 'jobs.createJob',
        authorizer: { name: 'staff' },
      });
    });
  });
});
