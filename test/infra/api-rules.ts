// Rules for the one HTTP API (ARCHITECTURE.md §5: rate limits on public routes; access logs): pure
// functions over packaged templates, unit-tested on broken fixtures (test/unit/api-rules.test.ts) and
// run over the real ones by test/infra/api-rules.test.ts.
import type { Template, Violation } from './checks.ts';

interface StageProperties {
  DefaultRouteSettings?: { ThrottlingRateLimit?: unknown; ThrottlingBurstLimit?: unknown };
  RouteSettings?: Record<string, { ThrottlingRateLimit?: unknown; ThrottlingBurstLimit?: unknown }>;
  AccessLogSettings?: { DestinationArn?: unknown; Format?: unknown };
}

/** Access-log variables that carry the raw request path — and with it tracking, crew and feed tokens. */
const RAW_PATH_VARIABLES = [
  '$context.path',
  '$context.rawPath',
  '$context.requestPath',
  '$context.resourcePath',
];
const REQUIRED_LOG_FIELDS = [
  '$context.requestId',
  '$context.routeKey',
  '$context.status',
  '$context.responseLatency',
  '$context.integrationErrorMessage',
];

const isLimit = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

function stages(template: Template): [string, StageProperties][] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::ApiGatewayV2::Stage')
    .map(([id, resource]) => [id, (resource.Properties ?? {}) as StageProperties]);
}

export function routeKeys(template: Template): string[] {
  return Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route')
    .map((resource) => String(resource.Properties?.RouteKey));
}

/** Routes anyone may call: no authorizer. */
export function publicRouteKeys(template: Template): string[] {
  return Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route')
    .filter((resource) => (resource.Properties?.AuthorizationType ?? 'NONE') === 'NONE')
    .map((resource) => String(resource.Properties?.RouteKey));
}

/**
 * The stage throttles every route by default, every public route of the stage's own stack has limits of
 * its own, and the access log records request id, route key, status, latency and integration error —
 * never a raw path.
 */
export function checkApiStage(template: Template): Violation[] {
  const violations: Violation[] = [];
  for (const [id, stage] of stages(template)) {
    const defaults = stage.DefaultRouteSettings ?? {};
    if (!isLimit(defaults.ThrottlingRateLimit) || !isLimit(defaults.ThrottlingBurstLimit))
      violations.push({
        resource: id,
        rule: 'api-throttling',
        message: `${id} has no stage-wide throttling`,
      });
    const routeSettings = stage.RouteSettings ?? {};
    for (const routeKey of publicRouteKeys(template)) {
      const own = routeSettings[routeKey];
      if (!own || !isLimit(own.ThrottlingRateLimit) || !isLimit(own.ThrottlingBurstLimit))
        violations.push({
          resource: id,
          rule: 'api-throttling',
          message: `public route ${routeKey} has no throttling of its own`,
        });
    }
    const format = stage.AccessLogSettings?.Format;
    if (typeof format !== 'string' || !stage.AccessLogSettings?.DestinationArn) {
      violations.push({ resource: id, rule: 'api-access-log', message: `${id} has no access log` });
      continue;
    }
    for (const field of REQUIRED_LOG_FIELDS)
      if (!format.includes(field))
        violations.push({
          resource: id,
          rule: 'api-access-log',
          message: `${id}'s access log lacks ${field}`,
        });
    for (const variable of RAW_PATH_VARIABLES)
      if (format.includes(variable))
        violations.push({
          resource: id,
          rule: 'api-access-log',
          message: `${id}'s access log records ${variable}: raw paths carry tokens`,
        });
  }
  return violations;
}

/**
 * Route settings may only name routes that exist when the stage deploys: routes of the stage's own
 * stack, or of stacks deployed before it. `stacks` is in deploy order; a key naming a later stack's
 * route (or none) fails CloudFormation with "Unable to find Route by key".
 */
export function checkRouteSettingsDeployable(stacks: { name: string; template: Template }[]): Violation[] {
  const violations: Violation[] = [];
  stacks.forEach(({ name, template }, index) => {
    const known = new Set(stacks.slice(0, index + 1).flatMap((stack) => routeKeys(stack.template)));
    for (const [id, stage] of stages(template))
      for (const routeKey of Object.keys(stage.RouteSettings ?? {}))
        if (!known.has(routeKey))
          violations.push({
            resource: `${name}.${id}`,
            rule: 'api-route-settings',
            message: `${name}.${id} throttles ${routeKey}, which no stack up to ${name} creates`,
          });
  });
  return violations;
}
