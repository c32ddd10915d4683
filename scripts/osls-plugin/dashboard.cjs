// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation and osls placeholders, not JS templates
// The stage's CloudWatch dashboard (services/jobs/serverless.yml, QdnDashboard): the business metrics
// the functions emit as EMF (shared/src/metrics.ts) next to every DLQ's depth. osls calls this while it
// reads the jobs service's serverless.yml (`${file(../../scripts/osls-plugin/dashboard.cjs):body}`);
// `${sls:stage}` in what it returns is resolved by osls, `${AWS::Region}` by CloudFormation (Fn::Sub).
// The DLQs are every consumer's, from the declarations (services/*/src/consumers.ts): the dashboard
// can't miss one (test/infra/dashboard.test.ts checks it against the packaged templates).
'use strict';

const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const SERVICES = join(__dirname, '..', '..', 'services');
const NAMESPACE = 'qdn';

/** Every consumer's DLQ name, as scripts/osls-plugin/consumers.ts names them. */
function deadLetterQueues() {
  const names = [];
  for (const service of readdirSync(SERVICES).sort()) {
    const file = join(SERVICES, service, 'src', 'consumers.ts');
    if (!existsSync(file)) continue;
    for (const consumer of require(file).consumers)
      names.push(`qdn-\${sls:stage}-${service}-${consumer.name}-dlq`);
  }
  return names;
}

// CloudWatch labels each series a search finds with its dimensions (the brand, the consumer).
const search = (id, metric, dimension, stat) => [
  { id, expression: `SEARCH('{${NAMESPACE},${dimension},service} MetricName="${metric}"', '${stat}', 300)` },
];

const widget = (x, y, title, metrics, extra = {}) => ({
  type: 'metric',
  x,
  y,
  width: 12,
  height: 6,
  properties: { title, region: '${AWS::Region}', view: 'timeSeries', period: 300, metrics, ...extra },
});

function dashboardBody() {
  return {
    widgets: [
      widget(0, 0, 'Texts per brand: sent, failed, suppressed (5 min)', [
        search('sent', 'SmsSent', 'brand', 'Sum'),
        search('failed', 'SmsFailed', 'brand', 'Sum'),
        search('suppressed', 'SmsSuppressed', 'brand', 'Sum'),
      ]),
      widget(12, 0, "Fan-out latency: event's occurredAt → Twilio accepted (ms)", [
        search('p50', 'FanOutLatency', 'brand', 'p50'),
        search('p99', 'FanOutLatency', 'brand', 'p99'),
      ]),
      widget(0, 6, 'Messages given up (their last delivery failed; the DLQ has them next)', [
        search('deadLettered', 'DeadLettered', 'consumer', 'Sum'),
      ]),
      widget(
        12,
        6,
        'DLQ depth (messages waiting for a dispatcher: npm run ops -- dlqs)',
        deadLetterQueues().map((queue) => [
          'AWS/SQS',
          'ApproximateNumberOfMessagesVisible',
          'QueueName',
          queue,
          { stat: 'Maximum' },
        ]),
      ),
    ],
  };
}

module.exports = () => ({ body: { 'Fn::Sub': JSON.stringify(dashboardBody()) }, deadLetterQueues });
