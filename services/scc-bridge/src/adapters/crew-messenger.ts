import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CrewMessage } from '@qdn/shared/events';
import type { CrewMessenger } from '../domain/ports.ts';

/**
 * Publishes crew messages to the crew-notifications topic: the CrewMessage as JSON, with `crewId` and
 * `channel` as message attributes so a subscriber can filter without parsing. The notifications
 * service's queue sends them by SMS, deduplicating on `messageId`.
 */
export class SnsCrewMessenger implements CrewMessenger {
  readonly #client: SNSClient;
  readonly #topicArn: string;

  constructor(client: SNSClient, topicArn: string) {
    this.#client = client;
    this.#topicArn = topicArn;
  }

  async send(message: CrewMessage): Promise<void> {
    const valid = CrewMessage.parse(message);
    await this.#client.send(
      new PublishCommand({
        TopicArn: this.#topicArn,
        Message: JSON.stringify(valid),
        MessageAttributes: {
          crewId: { DataType: 'String', StringValue: valid.crewId },
          channel: { DataType: 'String', StringValue: 'sms' },
        },
      }),
    );
  }
}
