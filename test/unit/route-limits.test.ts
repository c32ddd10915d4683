import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';

// The route-limits custom resource's pure part: what a CloudFormation request asks of the stage.
const require_ = createRequire(import.meta.url);
const { plan } = require_('../../scripts/osls-plugin/route-limits-handler.cjs') as {
  plan(event: Record<string, unknown>): { set: Record<string, unknown>; remove: string[] };
};
const { routeLimitResources } = require_('../../scripts/osls-plugin/route-limits.cjs') as {
  routeLimitResources(options: Record<string, unknown>): Record<string, { DependsOn?: string[] }>;
};

const props = (Routes: Record<string, { rate: string; burst: string }>) => ({
  ApiId: 'abc',
  Stage: '$default',
  Routes,
});

describe('the route-limits request plan', () => {
  it('sets every declared route on Create, as numbers (CloudFormation passes strings)', () => {
    expect(
      plan({
        RequestType: 'Create',
        ResourceProperties: props({ 'GET /crew/{token}': { rate: '20', burst: '40' } }),
      }),
    ).toEqual({
      set: { 'GET /crew/{token}': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 } },
      remove: [],
    });
  });

  it('removes on Update the routes it no longer declares, and all of its own on Delete', () => {
    const old = props({ 'GET /a': { rate: '1', burst: '2' }, 'GET /b': { rate: '1', burst: '2' } });
    expect(
      plan({
        RequestType: 'Update',
        OldResourceProperties: old,
        ResourceProperties: props({ 'GET /a': { rate: '5', burst: '10' } }),
      }),
    ).toEqual({
      set: { 'GET /a': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 } },
      remove: ['GET /b'],
    });
    expect(plan({ RequestType: 'Delete', ResourceProperties: old })).toEqual({
      set: {},
      remove: ['GET /a', 'GET /b'],
    });
  });

  it('refuses a limit that is not a positive number (a stage parameter left empty)', () => {
    expect(() =>
      plan({ RequestType: 'Create', ResourceProperties: props({ 'GET /a': { rate: '', burst: '2' } }) }),
    ).toThrow('GET /a: rate and burst must be positive');
  });
});

describe('the route-limits resources', () => {
  it("depend on the stack's routes, and refuse a key that is no route of the stack", () => {
    const options = {
      service: 'scc-bridge',
      stage: 'dev',
      routeIds: { 'GET /crew/{token}': 'HttpApiRouteGetCrewToken' },
      logRetentionInDays: 30,
    };
    const resources = routeLimitResources({
      ...options,
      routeLimits: { 'GET /crew/{token}': { rate: 20, burst: 40 } },
    });
    expect(resources.RouteLimits?.DependsOn).toEqual(['HttpApiRouteGetCrewToken']);
    expect(() =>
      routeLimitResources({ ...options, routeLimits: { 'GET /track/{token}': { rate: 20, burst: 40 } } }),
    ).toThrow('custom.routeLimits names GET /track/{token}, which is not a route of scc-bridge');
  });
});
