// QDN's osls plugin (`@qdn/osls-plugin`, listed after serverless-iam-roles-per-function in every
// service's `plugins`, a workspace so osls resolves it by name). Two packaging steps:
// - osls creates its shared execution role (IamRoleLambdaExecution) before per-function roles exist;
//   once every function has its own, that role is attached to nothing, yet would still be created with
//   rights to every function's log group. This removes it when nothing in the template refers to it.
// - Lambda's active tracing (provider.tracing.lambda) sends segments to X-Ray with the function's role:
//   each traced function's own role gets xray:PutTraceSegments and xray:PutTelemetryRecords (X-Ray has no
//   resource-level permissions, so Resource "*": the one exception test/infra/checks.ts allows).
// - `custom.routeLimits` of a stack that doesn't own the HTTP API stage becomes the custom resource
//   that sets those routes' throttling on the stage (route-limits.cjs).
'use strict';

const { routeLimitResources } = require('./route-limits.cjs');

const DEFAULT_ROLE = 'IamRoleLambdaExecution';

class QdnPackaging {
  constructor(serverless) {
    this.hooks = {
      'before:package:finalize': () => {
        const template = serverless.service.provider.compiledCloudFormationTemplate;
        addRouteLimits(serverless, template);
        grantTracing(template);
        dropUnusedDefaultRole(template);
      },
    };
  }
}

function dropUnusedDefaultRole(template) {
  if (!template.Resources[DEFAULT_ROLE]) return;
  const { [DEFAULT_ROLE]: _unused, ...others } = template.Resources;
  const referenced = JSON.stringify({ ...template, Resources: others }).includes(`"${DEFAULT_ROLE}"`);
  if (!referenced) delete template.Resources[DEFAULT_ROLE];
}

const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

function grantTracing(template) {
  for (const fn of Object.values(template.Resources)) {
    if (fn.Type !== 'AWS::Lambda::Function' || fn.Properties.TracingConfig?.Mode !== 'Active') continue;
    const roleId = fn.Properties.Role?.['Fn::GetAtt']?.[0];
    const role = roleId && template.Resources[roleId];
    if (role?.Type !== 'AWS::IAM::Role') continue;
    const [policy] = role.Properties.Policies ?? [];
    if (!policy) continue;
    const statements = policy.PolicyDocument.Statement;
    if (statements.some((statement) => [statement.Action].flat().includes(XRAY_ACTIONS[0]))) continue;
    statements.push({ Effect: 'Allow', Action: [...XRAY_ACTIONS], Resource: '*' });
  }
}

function addRouteLimits(serverless, template) {
  const routeLimits = serverless.service.custom?.routeLimits;
  if (!routeLimits) return;
  if (template.Resources.HttpApiStage)
    throw new Error(
      'custom.routeLimits is for stacks after the one that owns the HTTP API stage: set RouteSettings on HttpApiStage',
    );
  const routeIds = {};
  for (const [id, resource] of Object.entries(template.Resources))
    if (resource.Type === 'AWS::ApiGatewayV2::Route') routeIds[resource.Properties.RouteKey] = id;
  Object.assign(
    template.Resources,
    routeLimitResources({
      service: serverless.service.service.replace(/^qdn-/, ''),
      stage: serverless.getProvider('aws').getStage(),
      routeLimits,
      routeIds,
      logRetentionInDays: Number(serverless.service.provider.logRetentionInDays),
    }),
  );
}

module.exports = QdnPackaging;
