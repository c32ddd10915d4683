import { describe, expect, it } from '@jest/globals';
import {
  isPreflight,
  preflightHeaders,
  resolveCorsConfiguration,
  responseCorsHeaders,
  withoutCorsHeaders,
} from '../../src/gateway/cors.ts';

// The jobs service's provider.httpApi.cors.
const JOBS_CORS = {
  allowedOrigins: ['*'],
  allowedHeaders: ['authorization', 'content-type'],
  allowedMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
  maxAge: 600,
};

describe('HTTP API CORS', () => {
  describe('resolving the serverless configuration', () => {
    it('given cors: true, when resolved, then serverless defaults apply and methods come from the routes', () => {
      const configuration = resolveCorsConfiguration(true, ['GET /brands/{brandId}', 'POST /jobs']);

      expect(configuration).toEqual({
        allowOrigins: ['*'],
        allowHeaders: [
          'Content-Type',
          'X-Amz-Date',
          'Authorization',
          'X-Api-Key',
          'X-Amz-Security-Token',
          'X-Amz-User-Agent',
          'X-Amzn-Trace-Id',
        ],
        allowMethods: ['OPTIONS', 'GET', 'POST'],
        allowCredentials: false,
        exposeHeaders: [],
        maxAge: undefined,
      });
    });

    it('given an ANY route and no allowedMethods, when resolved, then every method is allowed', () => {
      const configuration = resolveCorsConfiguration({ allowedOrigins: ['https://app.example'] }, [
        'ANY /x/{proxy+}',
      ]);

      expect(configuration?.allowMethods).toEqual([
        'OPTIONS',
        'GET',
        'POST',
        'PUT',
        'PATCH',
        'DELETE',
        'HEAD',
      ]);
      expect(configuration?.allowOrigins).toEqual(['https://app.example']);
    });

    it('given no cors, when resolved, then CORS is off', () => {
      expect(resolveCorsConfiguration(undefined, ['GET /x'])).toBeUndefined();
      expect(resolveCorsConfiguration(false, ['GET /x'])).toBeUndefined();
    });

    it('given credentials with the * origin, when resolved, then it is rejected as API Gateway rejects it', () => {
      expect(() => resolveCorsConfiguration({ allowedOrigins: ['*'], allowCredentials: true }, [])).toThrow(
        /allowCredentials/,
      );
    });
  });

  describe('preflight', () => {
    it('given OPTIONS with Origin and Access-Control-Request-Method, when checked, then it is a preflight', () => {
      const headers = { origin: 'https://app.example', 'access-control-request-method': 'POST' };

      expect(isPreflight('OPTIONS', headers)).toBe(true);
      expect(isPreflight('OPTIONS', { origin: 'https://app.example' })).toBe(false);
      expect(isPreflight('GET', headers)).toBe(false);
    });

    it("given the jobs service's CORS, when a preflight comes from any origin, then all the headers answer it", () => {
      const configuration = resolveCorsConfiguration(JOBS_CORS, [])!;

      expect(preflightHeaders(configuration, 'https://dispatch.quickdumpnow.com')).toEqual({
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET,POST,PUT,PATCH,DELETE,OPTIONS',
        'access-control-allow-headers': 'authorization,content-type',
        'access-control-max-age': '600',
      });
    });

    it('given listed origins and credentials, when a listed origin asks, then it is echoed with credentials', () => {
      const configuration = resolveCorsConfiguration(
        { allowedOrigins: ['https://app.example'], allowCredentials: true, allowedMethods: ['GET'] },
        [],
      )!;

      expect(preflightHeaders(configuration, 'https://app.example')).toMatchObject({
        'access-control-allow-origin': 'https://app.example',
        'access-control-allow-credentials': 'true',
        vary: 'origin',
      });
    });

    it('given listed origins, when another origin asks, then the preflight gets no CORS headers', () => {
      const configuration = resolveCorsConfiguration({ allowedOrigins: ['https://app.example'] }, [])!;

      expect(preflightHeaders(configuration, 'https://evil.example')).toEqual({});
    });
  });

  describe('actual responses', () => {
    it('given an allowed origin, when a response is decorated, then origin, credentials and exposed headers are set', () => {
      const configuration = resolveCorsConfiguration(
        {
          allowedOrigins: ['https://app.example'],
          allowCredentials: true,
          exposedResponseHeaders: ['x-total'],
        },
        [],
      )!;

      expect(responseCorsHeaders(configuration, 'https://app.example')).toEqual({
        'access-control-allow-origin': 'https://app.example',
        'access-control-allow-credentials': 'true',
        'access-control-expose-headers': 'x-total',
        vary: 'origin',
      });
    });

    it('given no Origin or a foreign one, when a response is decorated, then nothing is added', () => {
      const configuration = resolveCorsConfiguration({ allowedOrigins: ['https://app.example'] }, [])!;

      expect(responseCorsHeaders(configuration, undefined)).toEqual({});
      expect(responseCorsHeaders(configuration, 'https://evil.example')).toEqual({});
    });

    it("given a function's own CORS headers, when CORS is configured, then they are removed", () => {
      const headers = { 'Access-Control-Allow-Origin': '*', 'content-type': 'application/json' };

      expect(withoutCorsHeaders(headers)).toEqual({ 'content-type': 'application/json' });
    });
  });
});
