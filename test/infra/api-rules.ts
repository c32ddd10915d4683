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
    const throttled: [string, string][] = [
      ...stages(template).flatMap(([id, stage]) =>
        Object.keys(stage.RouteSettings ?? {}).map((key): [string, string] => [id, key]),
      ),
      ...routeLimitResources(template).flatMap(([id, resource]) =>
        Object.keys(resource.routes).map((key): [string, string] => [id, key]),
      ),
    ];
    for (const [id, routeKey] of throttled)
      if (!known.has(routeKey))
        violations.push({
          resource: `${name}.${id}`,
          rule: 'api-route-settings',
          message: `${name}.${id} throttles ${routeKey}, which no stack up to ${name} creates`,
        });
    // A custom resource sets its limits when it runs: after its own stack's routes, or the stage
    // doesn't know them yet.
    const ownRoutes = routeIdsByKey(template);
    for (const [id, resource] of routeLimitResources(template))
      for (const routeKey of Object.keys(resource.routes)) {
        const routeId = ownRoutes.get(routeKey);
        if (routeId && !resource.dependsOn.includes(routeId))
          violations.push({
            resource: `${name}.${id}`,
            rule: 'api-route-settings',
            message: `${name}.${id} may run before ${routeId} (${routeKey}) exists: not in its DependsOn`,
          });
      }
  });
  return violations;
}

/** The custom resources that set a later stack's route limits on the stage (scripts/osls-plugin/route-limits.cjs). */
export const ROUTE_LIMITS_TYPE = 'Custom::RouteLimits';

interface RouteLimits {
  routes: Record<string, { rate?: unknown; burst?: unknown }>;
  dependsOn: string[];
}

function routeLimitResources(template: Template): [string, RouteLimits][] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === ROUTE_LIMITS_TYPE)
    .map(([id, resource]) => {
      const dependsOn = (resource as { DependsOn?: string | string[] }).DependsOn ?? [];
      return [
        id,
        {
          routes: (resource.Properties?.Routes ?? {}) as RouteLimits['routes'],
          dependsOn: Array.isArray(dependsOn) ? dependsOn : [dependsOn],
        },
      ];
    });
}

function routeIdsByKey(template: Template): Map<string, string> {
  return new Map(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::ApiGatewayV2::Route')
      .map(([id, resource]) => [String(resource.Properties?.RouteKey), id]),
  );
}

/**
 * Every public route of every stack has throttling of its own: set on the stage by the stack that owns
 * it (RouteSettings), or by a later stack's route-limits custom resource, with positive rate and burst.
 * `stacks` is in deploy order.
 */
export function checkPublicRoutesLimited(stacks: { name: string; template: Template }[]): Violation[] {
  const violations: Violation[] = [];
  const onStage = new Map<string, { rate: unknown; burst: unknown }>();
  for (const { template } of stacks)
    for (const [, stage] of stages(template))
      for (const [key, settings] of Object.entries(stage.RouteSettings ?? {}))
        onStage.set(key, { rate: settings.ThrottlingRateLimit, burst: settings.ThrottlingBurstLimit });
  for (const { name, template } of stacks) {
    const own = new Map<string, { rate?: unknown; burst?: unknown }>();
    for (const [, resource] of routeLimitResources(template))
      for (const [key, limit] of Object.entries(resource.routes)) own.set(key, limit);
    for (const routeKey of publicRouteKeys(template)) {
      const limit = own.get(routeKey) ?? onStage.get(routeKey);
      if (!limit || !isLimit(limit.rate) || !isLimit(limit.burst))
        violations.push({
          resource: `${name}`,
          rule: 'api-throttling',
          message: `public route ${routeKey} of ${name} has no throttling of its own`,
        });
    }
  }
  return violations;
}
