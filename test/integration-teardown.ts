// The integration project's globalTeardown: stops the DynamoDB Local every suite's cloud shared
// (started by test/integration-setup.ts) and removes its databases.
import { rmSync } from 'node:fs';
import type { DynamoDbLocal } from '@qdn/local-cloud/dynamodb-local';

export default async function stopSharedDynamoDb(): Promise<void> {
  const shared = (globalThis as { qdnTestDynamoDb?: DynamoDbLocal & { dbDir: string } }).qdnTestDynamoDb;
  if (!shared) return;
  await shared.stop();
  rmSync(shared.dbDir, { recursive: true, force: true });
}
