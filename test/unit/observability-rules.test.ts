// biome-ignore-all lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder, not a JS template
import { describe, expect, it } from '@jest/globals';
import type { Template } from '../infra/checks.ts';
import { checkDashboard } from '../infra/observability-rules.ts';

const queue = (QueueName: string, dlqId?: string) => ({
  Type: 'AWS::SQS::Queue',
  Properties: {
    QueueName,
    ...(dlqId
      ? { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 } }
      : {}),
  },
});
const consumers: Template = {
  Resources: { SmsQueue: queue('qdn-dev-sms', 'SmsDlq'), SmsDlq: queue('qdn-dev-sms-dlq') },
};
const search = (metric: string) => [
  {
    id: metric.toLowerCase(),
    expression: `SEARCH('{qdn,brand,service} MetricName="${metric}"', 'Sum', 300)`,
  },
];
const dashboard = (metrics: string[], dlqs: string[]): Template => ({
  Resources: {
    Dashboard: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: {
        DashboardBody: {
          'Fn::Sub': JSON.stringify({
            widgets: [
              { type: 'metric', properties: { region: '${AWS::Region}', metrics: metrics.map(search) } },
              {
                type: 'metric',
                properties: {
                  metrics: dlqs.map((name) => [
                    'AWS/SQS',
                    'ApproximateNumberOfMessagesVisible',
                    'QueueName',
                    name,
                  ]),
                },
              },
            ],
          }),
        },
      },
    },
  },
});
const ALL = ['SmsSent', 'SmsFailed', 'SmsSuppressed', 'FanOutLatency', 'DeadLettered'];

describe("the stage's dashboard", () => {
  it('accepts one that shows every business metric and every DLQ', () => {
    expect(checkDashboard(dashboard(ALL, ['qdn-dev-sms-dlq']), [consumers])).toEqual([]);
  });

  it('flags a missing metric and a DLQ nobody watches (broken fixture)', () => {
    const broken = dashboard(
      ALL.filter((metric) => metric !== 'FanOutLatency'),
      [],
    );
    expect(checkDashboard(broken, [consumers]).map((violation) => violation.message)).toEqual([
      'Dashboard does not show FanOutLatency',
      'Dashboard does not show the depth of qdn-dev-sms-dlq',
    ]);
  });

  it('flags a stage without a dashboard', () => {
    expect(checkDashboard({ Resources: {} }, [consumers]).map((violation) => violation.message)).toEqual([
      '0 dashboards; expected one',
    ]);
  });
});
