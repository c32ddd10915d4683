import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { checkApiStage, checkPublicRoutesLimited, checkRouteSettingsDeployable } from '../infra/api-rules.ts';
import type { Template } from '../infra/checks.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}-template.json`, import.meta.url), 'utf8')) as Template;

const route = (RouteKey: string, authorized = false) => ({
  Type: 'AWS::ApiGatewayV2::Route',
  Properties: { RouteKey, ...(authorized ? { AuthorizationType: 'JWT' } : {}) },
});
const limits = { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 };
const goodLog = {
  DestinationArn: { 'Fn::GetAtt': ['Logs', 'Arn'] },
  Format:
    '{"requestId":"$context.requestId","routeKey":"$context.routeKey","status":"$context.status","latencyMs":"$context.responseLatency","integrationError":"$context.integrationErrorMessage"}',
};
const stage = (properties: Record<string, unknown>) => ({
  Type: 'AWS::ApiGatewayV2::Stage',
  Properties: properties,
});

describe('the HTTP API stage', () => {
  it('flags a stage packaged before the rule: no throttling, no route limits, no access log (broken fixture)', () => {
    const messages = checkApiStage(fixture('jobs')).map((violation) => violation.message);
    expect(messages).toContain('HttpApiStage has no stage-wide throttling');
    expect(messages).toContain('public route GET /brands/{brandId} has no throttling of its own');
    expect(messages).toContain('HttpApiStage has no access log');
  });

  it('accepts stage-wide limits, limits on each public route and a route-key access log', () => {
    const template: Template = {
      Resources: {
        Track: route('GET /track/{token}'),
        Jobs: route('GET /jobs', true),
        Stage: stage({
          DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
          RouteSettings: { 'GET /track/{token}': limits },
          AccessLogSettings: goodLog,
        }),
      },
    };
    expect(checkApiStage(template)).toEqual([]);
  });

  it('flags an access log with the raw path (tokens) or without the route key', () => {
    const template: Template = {
      Resources: {
        Stage: stage({
          DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
          AccessLogSettings: {
            ...goodLog,
            Format: goodLog.Format.replace('$context.routeKey', '$context.path'),
          },
        }),
      },
    };
    expect(checkApiStage(template).map((violation) => violation.message)).toEqual([
      "Stage's access log lacks $context.routeKey",
      "Stage's access log records $context.path: raw paths carry tokens",
    ]);
  });
});

describe('route settings name routes that exist when the stage deploys', () => {
  const jobs: Template = {
    Resources: {
      Track: route('GET /track/{token}'),
      Stage: stage({ RouteSettings: { 'GET /track/{token}': limits } }),
    },
  };
  const notifications: Template = { Resources: { Inbound: route('POST /twilio/inbound') } };

  it('accepts a route of the same stack', () => {
    expect(
      checkRouteSettingsDeployable([
        { name: 'jobs', template: jobs },
        { name: 'notifications', template: notifications },
      ]),
    ).toEqual([]);
  });

  it('flags a route of a later stack (CloudFormation: Unable to find Route by key) (broken fixture)', () => {
    const broken: Template = {
      Resources: {
        ...jobs.Resources,
        Stage: stage({ RouteSettings: { 'GET /track/{token}': limits, 'POST /twilio/inbound': limits } }),
      },
    };
    expect(
      checkRouteSettingsDeployable([
        { name: 'jobs', template: broken },
        { name: 'notifications', template: notifications },
      ]).map((violation) => violation.message),
    ).toEqual(['jobs.Stage throttles POST /twilio/inbound, which no stack up to jobs creates']);
  });
});

describe("later stacks' public routes are throttled where they can deploy (route-limits custom resource)", () => {
  const jobs: Template = {
    Resources: {
      Track: route('GET /track/{token}'),
      Stage: stage({ RouteSettings: { 'GET /track/{token}': limits } }),
    },
  };
  const routeLimits = (routes: Record<string, unknown>, DependsOn: string[]) => ({
    Type: 'Custom::RouteLimits',
    DependsOn,
    Properties: { Routes: routes },
  });
  const notifications = (limitsResource?: unknown): Template => {
    const template: Template = {
      Resources: {
        Inbound: route('POST /twilio/inbound'),
        Timeline: route('GET /jobs/{jobId}/timeline', true),
      },
    };
    if (limitsResource) template.Resources.RouteLimits = limitsResource as Template['Resources'][string];
    return template;
  };
  const crew: Template = { Resources: { Crew: route('GET /crew/{token}') } };
  const stacks = (later: Template) => [
    { name: 'jobs', template: jobs },
    { name: 'notifications', template: later },
    { name: 'scc-bridge', template: crew },
  ];

  it('flags public routes of later stacks with no limits (as packaged before the rule) (broken fixture)', () => {
    expect(checkPublicRoutesLimited(stacks(notifications())).map((violation) => violation.message)).toEqual([
      'public route POST /twilio/inbound of notifications has no throttling of its own',
      'public route GET /crew/{token} of scc-bridge has no throttling of its own',
    ]);
  });

  it('accepts limits set by the stack that owns the route, after its route exists', () => {
    const limited = notifications(
      routeLimits({ 'POST /twilio/inbound': { rate: 50, burst: 200 } }, ['Inbound']),
    );
    const withCrew = {
      Resources: {
        ...crew.Resources,
        RouteLimits: routeLimits({ 'GET /crew/{token}': { rate: 20, burst: 40 } }, ['Crew']) as never,
      },
    };
    const all = [
      { name: 'jobs', template: jobs },
      { name: 'notifications', template: limited },
      { name: 'scc-bridge', template: withCrew },
    ];
    expect(checkPublicRoutesLimited(all)).toEqual([]);
    expect(checkRouteSettingsDeployable(all)).toEqual([]);
  });

  it('flags a zero limit, a key of a later stack, and a resource that may run before its route exists', () => {
    const broken = notifications(
      routeLimits(
        {
          'POST /twilio/inbound': { rate: 0, burst: 200 },
          'GET /crew/{token}': { rate: 20, burst: 40 },
        },
        [],
      ),
    );
    expect(checkPublicRoutesLimited(stacks(broken)).map((violation) => violation.message)).toEqual([
      'public route POST /twilio/inbound of notifications has no throttling of its own',
      'public route GET /crew/{token} of scc-bridge has no throttling of its own',
    ]);
    expect(checkRouteSettingsDeployable(stacks(broken)).map((violation) => violation.message)).toEqual([
      'notifications.RouteLimits throttles GET /crew/{token}, which no stack up to notifications creates',
      'notifications.RouteLimits may run before Inbound (POST /twilio/inbound) exists: not in its DependsOn',
    ]);
  });
});
