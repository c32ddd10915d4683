// What `npm run deploy` and `npm run promote` check before CloudFormation starts: every SSM parameter
// the stage's functions read exists (STAGE_PARAMETERS), the stage's settings are complete and valid
// (its templates are packaged with them), and DLQ alarms reach a person. Reads go through
// the AWS SDK, so the local cloud's SSM fake and SNS (fauxqs) answer them in tests.

import {
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  type SNSClient,
  type Subscription,
} from '@aws-sdk/client-sns';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { STAGE_PARAMETERS, stageParameterName } from '@qdn/shared/stage-parameters';
import { existingParameters } from './secrets.ts';
import { parseStageSettings, type StageSettings } from './stage-settings.ts';

export interface PreflightResult {
  /** Each reason the stage must not be deployed; empty when it may. */
  problems: string[];
  /** Worth saying, not worth stopping for. */
  notes: string[];
  /** Who the ops topic subscribes (passed to the jobs stack). */
  opsAlarmEmail?: string;
  /** The stage's settings (/qdn/<stage>/settings), every template is packaged with them. */
  settings?: StageSettings;
}

/** The stage's ops topic (`qdn-<stage>-ops`, made by the jobs stack), if it exists yet. */
async function findOpsTopic(sns: SNSClient, stage: string): Promise<string | undefined> {
  let NextToken: string | undefined;
  do {
    const page = await sns.send(new ListTopicsCommand({ NextToken }));
    const found = page.Topics?.find((topic) => topic.TopicArn?.endsWith(`:qdn-${stage}-ops`));
    if (found) return found.TopicArn;
    NextToken = page.NextToken;
  } while (NextToken);
  return undefined;
}

async function subscriptionsOf(sns: SNSClient, topicArn: string): Promise<Subscription[]> {
  const subscriptions: Subscription[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
    subscriptions.push(...(page.Subscriptions ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return subscriptions;
}

export async function preflight(options: {
  ssm: SSMClient;
  sns: SNSClient;
  stage: string;
}): Promise<PreflightResult> {
  const { ssm, sns, stage } = options;
  const problems: string[] = [];
  const notes: string[] = [];
  const existing = await existingParameters(ssm, stage);
  const missing = STAGE_PARAMETERS.filter(
    (parameter) => !existing.has(stageParameterName(stage, parameter.name)),
  );
  for (const parameter of missing)
    problems.push(
      `missing SSM parameter ${stageParameterName(stage, parameter.name)} (${parameter.type}): ${parameter.description}`,
    );
  if (missing.length > 0) problems.push(`set them with: npm run secrets -- --stage ${stage}`);

  let settings: StageSettings | undefined;
  const settingsName = stageParameterName(stage, 'settings');
  if (existing.has(settingsName)) {
    const answer = await ssm.send(new GetParameterCommand({ Name: settingsName }));
    const parsed = parseStageSettings(answer.Parameter?.Value ?? '');
    if (parsed.problems)
      problems.push(
        `${settingsName} is not valid: ${parsed.problems.join('; ')}. ` +
          `Set them with: npm run secrets -- --stage ${stage}`,
      );
    settings = parsed.settings;
  }

  let opsAlarmEmail: string | undefined;
  if (existing.has(stageParameterName(stage, 'ops-alarm-email'))) {
    const answer = await ssm.send(
      new GetParameterCommand({ Name: stageParameterName(stage, 'ops-alarm-email') }),
    );
    opsAlarmEmail = answer.Parameter?.Value;
  }
  const topicArn = await findOpsTopic(sns, stage);
  if (topicArn) {
    const subscriptions = await subscriptionsOf(sns, topicArn);
    const confirmed = subscriptions.filter(
      (subscription) => subscription.SubscriptionArn !== 'PendingConfirmation',
    );
    if (subscriptions.length === 0)
      // The stack subscribes ops-alarm-email; a topic with nobody on it had that subscription removed by
      // hand, and a deploy does not bring it back (CloudFormation does not see the drift).
      problems.push(
        `the ops topic ${topicArn} has no subscriber, so DLQ alarms reach nobody: ` +
          `aws sns subscribe --topic-arn ${topicArn} --protocol email --notification-endpoint <address>`,
      );
    else if (confirmed.length === 0)
      notes.push(
        `the ops topic's subscription is not confirmed yet: ${subscriptions.map((s) => s.Endpoint).join(', ')} ` +
          'must open the "AWS Notification - Subscription Confirmation" email and confirm',
      );
  } else if (opsAlarmEmail) {
    notes.push(
      `first deploy of ${stage}: the ops topic will subscribe ${opsAlarmEmail} (confirm the email AWS sends)`,
    );
  }
  return { problems, notes, opsAlarmEmail, settings };
}
