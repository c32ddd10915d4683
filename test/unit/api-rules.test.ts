import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { checkApiStage, checkRouteSettingsDeployable } from '../infra/api-rules.ts';
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
