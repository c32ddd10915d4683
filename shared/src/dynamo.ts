import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// One DynamoDB client per function, created on first use. Endpoints come from the SDK's standard
// AWS_ENDPOINT_URL_<SERVICE> variables, which is how the local cloud points them at its emulators.
// (The EventBridge client lives with publishing, the SQS client with the DLQ review: a function loads
// only the clients it uses.)
let documentClient: DynamoDBDocumentClient | undefined;

/**
 * A write refused by its condition: ConditionalCheckFailedException, or a transaction cancelled because
 * one of its conditions failed. Stores turn it into a domain answer (stale, taken, already done).
 */
export function isConditionalCheckFailure(error: unknown): boolean {
  const { name, CancellationReasons } = (error ?? {}) as {
    name?: string;
    CancellationReasons?: { Code?: string }[];
  };
  return (
    name === 'ConditionalCheckFailedException' ||
    (name === 'TransactionCanceledException' &&
      (CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed'))
  );
}

export function dynamoDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return documentClient;
}
