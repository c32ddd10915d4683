// Least privilege per function (issue "Infrastructure declared once…"): pure functions over a packaged
// template (and, for the last rule, each function's packaged bundle), unit-tested on broken fixtures
// (test/unit/iam-rules.test.ts) and run over every real template by test/infra/iam-rules.test.ts.
// Each service's `custom.grants` is where the statements are declared; each function lists its own
// under `iamRoleStatements` and serverless-iam-roles-per-function makes them its role.
import { referencedLogicalId, type Template, type Violation, XRAY_ACTIONS } from './checks.ts';

/**
 * The one table a GET route may write: per-client rate limits and counters (shared/src/rate-limiter.ts,
 * `countersTable` in serverless.common.yml), logical id CountersTable in every service that limits.
 */
export const COUNTERS_TABLE = 'CountersTable';

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Resource?: unknown;
}

export interface FunctionRole {
  /** The function's logical id (CreateJobLambdaFunction). */
  functionId: string;
  /** The role's logical id, when the function's Role is one in this template. */
  roleId: string | undefined;
  statements: Statement[];
}

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const resourcesOf = (template: Template, type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

function roleStatements(template: Template, roleId: string | undefined): Statement[] {
  const role = roleId ? template.Resources[roleId] : undefined;
  if (role?.Type !== 'AWS::IAM::Role') return [];
  return list(role.Properties?.Policies as { PolicyDocument?: { Statement?: unknown } }[]).flatMap((policy) =>
    list(policy.PolicyDocument?.Statement as Statement | Statement[]),
  );
}

/** Every function of the template with the role it runs as and that role's statements. */
export function functionRoles(template: Template): FunctionRole[] {
  return resourcesOf(template, 'AWS::Lambda::Function').map(([functionId, fn]) => {
    const roleId = referencedLogicalId(fn.Properties?.Role);
    return { functionId, roleId, statements: roleStatements(template, roleId) };
  });
}

/** No role is shared: every function runs as a role of its own, declared in its stack, used by no other. */
export function checkRolePerFunction(template: Template): Violation[] {
  const violations: Violation[] = [];
  const users = new Map<string, string[]>();
  for (const { functionId, roleId } of functionRoles(template)) {
    if (!roleId || template.Resources[roleId]?.Type !== 'AWS::IAM::Role') {
      violations.push({
        resource: functionId,
        rule: 'role-per-function',
        message: `${functionId} does not run as a role of its own stack`,
      });
      continue;
    }
    users.set(roleId, [...(users.get(roleId) ?? []), functionId]);
  }
  for (const [roleId, functions] of users)
    if (functions.length > 1)
      violations.push({
        resource: roleId,
        rule: 'role-per-function',
        message: `${roleId} is shared by ${functions.join(', ')}`,
      });
  for (const [roleId] of resourcesOf(template, 'AWS::IAM::Role'))
    if (!users.has(roleId) && assumedByLambda(template, roleId))
      violations.push({
        resource: roleId,
        rule: 'role-per-function',
        message: `${roleId} is a Lambda role no function uses`,
      });
  return violations;
}

function assumedByLambda(template: Template, roleId: string): boolean {
  return JSON.stringify(template.Resources[roleId]?.Properties?.AssumeRolePolicyDocument ?? {}).includes(
    'lambda.amazonaws.com',
  );
}

// ---- What a statement does -------------------------------------------------------------------------

/**
 * Reads: the verbs IAM lists under List and Read access for the services we call (Amazon Location's
 * place index searches, SearchPlaceIndexForText and …ForPosition, are Read access too).
 */
const READ_VERB = /^(Get|List|Describe|Query|Scan|BatchGet|Receive|SearchPlaceIndexFor)/;

/**
 * Actions on the function's own log group (Lambda writes its logs with them) and X-Ray's trace uploads
 * (Lambda's active tracing) are not data, and a peek at
 * a dead-letter queue receives messages and puts them back (ChangeMessageVisibility): it changes no
 * message, so the ops review's GET routes may do it.
 */
function isWrite(action: string): boolean {
  const [service = '', verb = ''] = action.split(':');
  // Lambda's own writes with the function's role: its log group, its active tracing's segments.
  if (service === 'logs' || XRAY_ACTIONS.includes(action)) return false;
  if (action === 'sqs:ChangeMessageVisibility') return false;
  return !READ_VERB.test(verb);
}

/** The functions behind GET routes of this template's HTTP API (a route's integration → its function). */
export function getRouteFunctions(template: Template): Map<string, string> {
  const byFunction = new Map<string, string>();
  for (const [, route] of resourcesOf(template, 'AWS::ApiGatewayV2::Route')) {
    const routeKey = String(route.Properties?.RouteKey ?? '');
    if (!routeKey.startsWith('GET ')) continue;
    const target = JSON.stringify(route.Properties?.Target ?? '');
    const integrationId = /"Ref":"([^"]+)"/.exec(target)?.[1];
    const integration = integrationId ? template.Resources[integrationId] : undefined;
    const functionId = referencedLogicalId(integration?.Properties?.IntegrationUri);
    if (functionId) byFunction.set(functionId, routeKey);
  }
  return byFunction;
}

/**
 * A GET route's role writes nothing but the counters table (COUNTERS_TABLE): reading a job, a feed or a
 * crew page must not be able to change one, whatever a bug or an injected request does.
 */
export function checkGetRoutesWriteOnlyCounters(template: Template): Violation[] {
  const violations: Violation[] = [];
  const getRoutes = getRouteFunctions(template);
  for (const { functionId, statements } of functionRoles(template)) {
    const routeKey = getRoutes.get(functionId);
    if (!routeKey) continue;
    for (const statement of statements) {
      if (statement.Effect !== 'Allow') continue;
      const writes = list(statement.Action).filter(isWrite);
      if (writes.length === 0) continue;
      const resources = list(statement.Resource);
      const onlyCounters =
        writes.every((action) => action.startsWith('dynamodb:')) &&
        resources.length > 0 &&
        resources.every((resource) => referencedLogicalId(resource) === COUNTERS_TABLE);
      if (!onlyCounters)
        violations.push({
          resource: functionId,
          rule: 'get-writes-only-counters',
          message: `${functionId} (${routeKey}) may ${writes.join(', ')} on ${JSON.stringify(statement.Resource)}`,
        });
    }
  }
  return violations;
}

// ---- Every grant used ------------------------------------------------------------------------------

/**
 * Besides its own `<Operation>Command`, the SDK calls through which a bundle uses an action: a
 * transaction or batch needs the item actions it carries, a presigned POST or a copy carries the
 * signer's PutObject, a copy reads its source, batch sends, deletes and visibility changes need the
 * single-message actions.
 */
const ALSO_USED_THROUGH: Record<string, string[]> = {
  'dynamodb:PutItem': ['TransactWriteItemsCommand', 'BatchWriteItemCommand'],
  'dynamodb:UpdateItem': ['TransactWriteItemsCommand'],
  'dynamodb:DeleteItem': ['TransactWriteItemsCommand', 'BatchWriteItemCommand'],
  'dynamodb:ConditionCheckItem': ['TransactWriteItemsCommand'],
  'dynamodb:GetItem': ['TransactGetItemsCommand'],
  's3:PutObject': ['createPresignedPost', 'CopyObjectCommand'],
  's3:GetObject': ['CopyObjectCommand'],
  'sqs:SendMessage': ['SendMessageBatchCommand'],
  // A one-time schedule names the role Scheduler sends with: CreateSchedule passes it.
  'iam:PassRole': ['CreateScheduleCommand'],
  'sqs:DeleteMessage': ['DeleteMessageBatchCommand'],
  'sqs:ChangeMessageVisibility': ['ChangeMessageVisibilityBatchCommand'],
  // API Gateway's management actions are HTTP verbs on a resource path (the route-limits function).
  'apigateway:PATCH': ['UpdateStageCommand'],
  'apigateway:DELETE': ['DeleteRouteSettingsCommand'],
};

/** The names whose presence in a bundle shows it can make the call an action allows. */
export function callMarkers(action: string): string[] {
  const operation = action.split(':')[1] ?? '';
  return [`${operation}Command`, ...(ALSO_USED_THROUGH[action] ?? [])];
}

/** What Lambda itself does with the function's role for its trigger: not calls of the function's code. */
function triggerResources(template: Template, functionId: string): Set<string> {
  const ids = new Set<string>();
  for (const [, mapping] of resourcesOf(template, 'AWS::Lambda::EventSourceMapping')) {
    if (referencedLogicalId(mapping.Properties?.FunctionName) !== functionId) continue;
    ids.add(JSON.stringify(mapping.Properties?.EventSourceArn));
    const destination = (
      mapping.Properties?.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined
    )?.OnFailure?.Destination;
    if (destination) ids.add(JSON.stringify(destination));
  }
  return ids;
}

/**
 * Every action a role grants is called by its function: the action's SDK call (callMarkers) is in the
 * function's own bundle. esbuild bundles each function from its handler's imports alone, tree-shaken, so
 * a call in the bundle is one some code path of that function can make; a grant no bundle can use is
 * a right kept for nothing. Lambda's own uses (its log group, X-Ray segments, the trigger's queue or
 * stream and its on-failure destination) are not the code's and are not counted.
 */
export function checkGrantsUsed(template: Template, bundleOf: (functionId: string) => string): Violation[] {
  const violations: Violation[] = [];
  for (const { functionId, statements } of functionRoles(template)) {
    const code = bundleOf(functionId);
    const trigger = triggerResources(template, functionId);
    for (const statement of statements) {
      if (statement.Effect !== 'Allow') continue;
      const resources = list(statement.Resource);
      if (resources.length > 0 && resources.every((resource) => trigger.has(JSON.stringify(resource))))
        continue;
      for (const action of list(statement.Action)) {
        // Lambda's own: its log group, and the trace segments of its active tracing.
        if (action.startsWith('logs:') || XRAY_ACTIONS.includes(action)) continue;
        // A bundle keeps a command's name as a string (keepNames); unbundled inline code constructs it.
        if (
          !callMarkers(action).some(
            (marker) => code.includes(`"${marker}"`) || code.includes(`new ${marker}(`),
          )
        )
          violations.push({
            resource: functionId,
            rule: 'grant-used',
            message: `${functionId} is granted ${action} but its bundle never calls it (${callMarkers(action).join(' | ')})`,
          });
      }
    }
  }
  return violations;
}
