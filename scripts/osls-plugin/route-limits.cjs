// Per-route throttling for the public routes of the stacks after jobs (issue "Infrastructure declared
// once…"). The HTTP API's one stage lives in the jobs stack, which deploys first: its RouteSettings can
// only name jobs' own routes (a key for a route that doesn't exist yet fails the deploy with "Unable to
// find Route by key"). So each later stack declares its routes' limits (`custom.routeLimits`, values from
// stage parameters) and this adds a small custom resource that sets them on the stage once the stack's
// routes exist — UpdateStage merges by route key, Delete removes them. The function's code is inline
// (route-limits-handler.cjs; the runtime's AWS SDK, nothing to bundle) with a role of its own that may
// change that one stage and write its one log group. test/infra/api-rules.ts checks every public route
// has limits and every limited key is a route of its stack or of one deployed before it.
'use strict';

const { readFileSync } = require('node:fs');
const { join } = require('node:path');

/** The inline code: the handler file without its comment lines (ZipFile allows 4 KB). */
function inlineCode() {
  return readFileSync(join(__dirname, 'route-limits-handler.cjs'), 'utf8')
    .replace(/^\s*\/\/.*\n/gm, '')
    .replace(/^\s*\/\*\*[\s\S]*?\*\/\n/gm, '');
}

/**
 * The resources that put `routeLimits` ({ "<METHOD> <path>": { rate, burst } }) on the shared stage.
 * `routeIds` maps each route key of this template to its route's logical id: a key with no route here is
 * an error now rather than a failed deploy later.
 */
function routeLimitResources({ service, stage, routeLimits, routeIds, logRetentionInDays }) {
  const routes = {};
  const dependsOn = [];
  for (const [routeKey, limit] of Object.entries(routeLimits)) {
    const routeId = routeIds[routeKey];
    if (!routeId)
      throw new Error(
        `custom.routeLimits names ${routeKey}, which is not a route of ${service} (its routes: ${Object.keys(routeIds).join(', ')})`,
      );
    routes[routeKey] = { rate: limit.rate, burst: limit.burst };
    dependsOn.push(routeId);
  }
  const apiId = { 'Fn::ImportValue': `qdn-${stage}-HttpApiId` };
  const stageArn = {
    'Fn::Sub': [
      'arn:${AWS::Partition}:apigateway:${AWS::Region}::/apis/${ApiId}/stages/$default',
      { ApiId: apiId },
    ],
  };
  const routeSettingsArn = {
    'Fn::Sub': [
      'arn:${AWS::Partition}:apigateway:${AWS::Region}::/apis/${ApiId}/stages/$default/routesettings/*',
      { ApiId: apiId },
    ],
  };
  return {
    RouteLimitsLogGroup: {
      Type: 'AWS::Logs::LogGroup',
      Properties: {
        LogGroupName: `/qdn/${stage}/${service}/route-limits`,
        RetentionInDays: logRetentionInDays,
      },
    },
    RouteLimitsRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        },
        Policies: [
          {
            PolicyName: 'route-limits',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                  Resource: { 'Fn::Sub': '${RouteLimitsLogGroup.Arn}' },
                },
                // UpdateStage is a PATCH of the stage; DeleteRouteSettings a DELETE of one route's settings.
                { Effect: 'Allow', Action: ['apigateway:PATCH'], Resource: stageArn },
                { Effect: 'Allow', Action: ['apigateway:DELETE'], Resource: routeSettingsArn },
              ],
            },
          },
        ],
      },
    },
    RouteLimitsFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Description: `Sets ${service}'s public routes' throttling on the HTTP API stage (custom resource)`,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 128,
        Timeout: 120,
        Role: { 'Fn::GetAtt': ['RouteLimitsRole', 'Arn'] },
        LoggingConfig: { LogGroup: { Ref: 'RouteLimitsLogGroup' } },
        // Traced like every function (its role gets the X-Ray actions from index.cjs's grantTracing).
        TracingConfig: { Mode: 'Active' },
        Code: { ZipFile: inlineCode() },
      },
    },
    RouteLimits: {
      Type: 'Custom::RouteLimits',
      DependsOn: dependsOn,
      Properties: {
        ServiceToken: { 'Fn::GetAtt': ['RouteLimitsFunction', 'Arn'] },
        ApiId: apiId,
        Stage: '$default',
        Routes: routes,
      },
    },
  };
}

module.exports = { routeLimitResources, inlineCode };
