import { describe, expect, it } from '@jest/globals';
import type { Template } from '../infra/checks.ts';
import {
  checkGetRoutesWriteOnlyCounters,
  checkGrantsUsed,
  checkRolePerFunction,
  getRouteFunctions,
} from '../infra/iam-rules.ts';

const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });

function role(statements: Record<string, unknown>[]) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] } }],
      },
      Policies: [{ PolicyDocument: { Statement: statements } }],
    },
  };
}
const fn = (roleId: string, zip = 'fn.zip') => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Role: getAtt(roleId), Code: { S3Key: `serverless/x/dev/1/${zip}` } },
});
const route = (routeKey: string, integrationId: string) => ({
  Type: 'AWS::ApiGatewayV2::Route',
  Properties: { RouteKey: routeKey, Target: { 'Fn::Join': ['/', ['integrations', { Ref: integrationId }]] } },
});
const integration = (functionId: string) => ({
  Type: 'AWS::ApiGatewayV2::Integration',
  Properties: { IntegrationUri: getAtt(functionId) },
});
const logs = {
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:PutLogEvents'],
  Resource: ['arn:aws:logs:us-west-2:123456789012:log-group:/aws/lambda/f:*:*'],
};

describe('one role per function', () => {
  it('flags the shared role of a service packaged before per-function roles (broken fixture), and an unused one', () => {
    const template = {
      Resources: {
        IamRoleLambdaExecution: role([logs]),
        SpareRole: role([logs]),
        GetJobLambdaFunction: fn('IamRoleLambdaExecution'),
        CreateJobLambdaFunction: fn('IamRoleLambdaExecution'),
        ImportedRoleLambdaFunction: {
          Type: 'AWS::Lambda::Function',
          Properties: { Role: 'arn:aws:iam::1:role/x' },
        },
      },
    } as unknown as Template;
    expect(checkRolePerFunction(template).map((violation) => violation.message)).toEqual([
      'ImportedRoleLambdaFunction does not run as a role of its own stack',
      'IamRoleLambdaExecution is shared by GetJobLambdaFunction, CreateJobLambdaFunction',
      'SpareRole is a Lambda role no function uses',
    ]);
  });

  it('accepts a role per function', () => {
    const template = {
      Resources: {
        GetJobRole: role([logs]),
        CreateJobRole: role([logs]),
        GetJobLambdaFunction: fn('GetJobRole'),
        CreateJobLambdaFunction: fn('CreateJobRole'),
      },
    } as unknown as Template;
    expect(checkRolePerFunction(template)).toEqual([]);
  });
});

describe('a GET route writes nothing but the counters table', () => {
  const template = (statements: Record<string, unknown>[]) =>
    ({
      Resources: {
        TrackRole: role([logs, ...statements]),
        TrackLambdaFunction: fn('TrackRole'),
        TrackIntegration: integration('TrackLambdaFunction'),
        TrackRoute: route('GET /track/{token}', 'TrackIntegration'),
        PostRole: role([{ Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: getAtt('JobsTable') }]),
        PostLambdaFunction: fn('PostRole'),
        PostIntegration: integration('PostLambdaFunction'),
        PostRoute: route('POST /jobs', 'PostIntegration'),
      },
    }) as unknown as Template;

  it('finds the function behind each GET route, and only GET routes', () => {
    expect([...getRouteFunctions(template([])).entries()]).toEqual([
      ['TrackLambdaFunction', 'GET /track/{token}'],
    ]);
  });

  it('flags a GET route that may write the jobs table, publish or send (broken fixtures)', () => {
    const violations = checkGetRoutesWriteOnlyCounters(
      template([
        { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: getAtt('JobsTable') },
        { Effect: 'Allow', Action: ['events:PutEvents'], Resource: getAtt('EventBus') },
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: getAtt('InboundQueue') },
        // Counters and another table in one statement: still a write outside the counters table.
        {
          Effect: 'Allow',
          Action: ['dynamodb:UpdateItem'],
          Resource: [getAtt('CountersTable'), getAtt('MessagesTable')],
        },
      ]),
    );
    expect(violations.map((violation) => violation.message)).toEqual([
      'TrackLambdaFunction (GET /track/{token}) may dynamodb:PutItem on {"Fn::GetAtt":["JobsTable","Arn"]}',
      'TrackLambdaFunction (GET /track/{token}) may events:PutEvents on {"Fn::GetAtt":["EventBus","Arn"]}',
      'TrackLambdaFunction (GET /track/{token}) may sqs:SendMessage on {"Fn::GetAtt":["InboundQueue","Arn"]}',
      'TrackLambdaFunction (GET /track/{token}) may dynamodb:UpdateItem on [{"Fn::GetAtt":["CountersTable","Arn"]},{"Fn::GetAtt":["MessagesTable","Arn"]}]',
    ]);
  });

  it("accepts X-Ray's trace uploads (Lambda's active tracing, not a data write)", () => {
    expect(
      checkGetRoutesWriteOnlyCounters(
        template([
          { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
        ]),
      ),
    ).toEqual([]);
  });

  it('accepts reads, the counters table, its own logs and a dead-letter peek', () => {
    expect(
      checkGetRoutesWriteOnlyCounters(
        template([
          { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: getAtt('JobsTable') },
          { Effect: 'Allow', Action: ['dynamodb:UpdateItem'], Resource: getAtt('CountersTable') },
          {
            Effect: 'Allow',
            Action: ['ssm:GetParameter'],
            Resource: 'arn:aws:ssm:::parameter/qdn/dev/brands',
          },
          {
            Effect: 'Allow',
            Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility'],
            Resource: getAtt('Dlq'),
          },
        ]),
      ),
    ).toEqual([]);
  });
});

describe('every granted action is called by its function', () => {
  const template = {
    Resources: {
      SmsRole: role([
        logs,
        // The trigger's own rights: Lambda's, not the code's.
        {
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          Resource: [getAtt('SmsQueue')],
        },
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          Resource: getAtt('MessagesTable'),
        },
        { Effect: 'Allow', Action: ['dynamodb:DeleteItem'], Resource: getAtt('MessagesTable') },
        { Effect: 'Allow', Action: ['s3:PutObject'], Resource: 'arn:aws:s3:::bucket/photos/*' },
      ]),
      SmsLambdaFunction: fn('SmsRole'),
      SmsMapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { EventSourceArn: getAtt('SmsQueue'), FunctionName: getAtt('SmsLambdaFunction') },
      },
    },
  } as unknown as Template;

  it('flags grants whose call is in no code path of the bundle (broken fixture)', () => {
    const bundle = 'x.n("DynamoDBClient","GetItemCommand");y.n("DynamoDBClient","PutItemCommand")';
    expect(checkGrantsUsed(template, () => bundle).map((violation) => violation.message)).toEqual([
      'SmsLambdaFunction is granted dynamodb:DeleteItem but its bundle never calls it (DeleteItemCommand | TransactWriteItemsCommand | BatchWriteItemCommand)',
      'SmsLambdaFunction is granted s3:PutObject but its bundle never calls it (PutObjectCommand | createPresignedPost | CopyObjectCommand)',
    ]);
  });

  it("doesn't ask the bundle for X-Ray's trace uploads (Lambda makes them), and reads inline code's constructions", () => {
    const traced = {
      Resources: {
        ...template.Resources,
        SmsRole: role([
          logs,
          { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
          {
            Effect: 'Allow',
            Action: ['apigateway:PATCH'],
            Resource: 'arn:aws:apigateway:us-west-2::/apis/a/stages/$default',
          },
        ]),
      },
    } as unknown as Template;
    expect(checkGrantsUsed(traced, () => 'await client.send(new UpdateStageCommand({ ApiId }))')).toEqual([]);
    expect(checkGrantsUsed(traced, () => 'nothing here').map((violation) => violation.message)).toEqual([
      'SmsLambdaFunction is granted apigateway:PATCH but its bundle never calls it (PATCHCommand | UpdateStageCommand)',
    ]);
  });

  it('counts the calls a transaction or a presigned POST makes, and not the trigger or the logs', () => {
    const bundle =
      '"GetItemCommand" "PutItemCommand" "TransactWriteItemsCommand" __name(a,"createPresignedPost")';
    expect(checkGrantsUsed(template, () => bundle)).toEqual([]);
  });
});
