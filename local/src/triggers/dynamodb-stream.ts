import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { LOCAL_REGION } from '../cloudformation.ts';
import { compileEventPattern } from '../eventbridge/pattern.ts';

/** Where each stream mapping has got to in each shard, kept on disk so a restart neither skips nor repeats. */
export class CheckpointStore {
  readonly #file: string;
  readonly #state: Record<string, Record<string, { sequenceNumber?: string; done?: boolean }>>;

  constructor(file: string) {
    this.#file = file;
    this.#state = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  }

  get(mapping: string, shardId: string) {
    return this.#state[mapping]?.[shardId];
  }

  set(mapping: string, shardId: string, value: { sequenceNumber?: string; done?: boolean }): void {
    this.#state[mapping] ??= {};
    this.#state[mapping][shardId] = { ...this.#state[mapping][shardId], ...value };
    mkdirSync(dirname(this.#file), { recursive: true });
    writeFileSync(`${this.#file}.tmp`, JSON.stringify(this.#state));
    renameSync(`${this.#file}.tmp`, this.#file);
  }
}

export interface StreamTriggerOptions {
  /** Identifies the mapping in the checkpoint store (`<function key>:<stream arn>`). */
  mappingKey: string;
  streamArn: string;
  functionArn: string;
  batchSize: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  maximumRetryAttempts: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
  /**
   * How long a quiet stream waits before its next read (100 ms), doubling while it stays quiet up to
   * `idlePollMaxMs` (1 s); see wake().
   */
  pollIntervalMs?: number;
  idlePollMaxMs?: number;
  /** The mapping's filter criteria (`filterPatterns` in serverless.yml): see recordFilter. */
  filterPatterns?: object[];
  checkpoints: CheckpointStore;
  invoke: (event: DynamoDBStreamEvent) => Promise<unknown>;
  /** The on-failure destination: gets Lambda's failure record when a batch exhausts its retries. */
  onFailure?: (record: Record<string, unknown>) => Promise<void>;
  onError?: (error: unknown) => void;
}

function toBase64Binaries(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toBase64Binaries);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toBase64Binaries(item)]));
  }
  return value;
}

/** A stream record as Lambda delivers it: epoch-second timestamps, base64 binaries, the source ARN. */
function toLambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const dynamodb = record.dynamodb ?? {};
  const created = dynamodb.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: LOCAL_REGION,
    eventSourceARN: streamArn,
    dynamodb: toBase64Binaries({
      ...dynamodb,
      ApproximateCreationDateTime: created instanceof Date ? Math.floor(created.getTime() / 1000) : created,
    }) as DynamoDBRecord['dynamodb'],
  };
}

/**
 * Lambda event filtering on a stream mapping: a record is delivered only if it matches one of the
 * patterns (EventBridge pattern syntax over the record as Lambda delivers it: `dynamodb.Keys`,
 * `dynamodb.NewImage`, `eventName`…); the others are dropped and the mapping moves past them.
 * Undefined when there are no patterns (every record is delivered).
 *
 * @example
 * recordFilter([{ dynamodb: { Keys: { sk: { S: ['SEND'] } } } }])?.(record);
 * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 */
export function recordFilter(
  patterns: object[] | undefined,
): ((record: DynamoDBRecord) => boolean) | undefined {
  if (!patterns || patterns.length === 0) return undefined;
  const compiled = patterns.map((pattern) => compileEventPattern(pattern));
  return function matchesFilterCriteria(record) {
    return compiled.some((pattern) => pattern.matches(record));
  };
}

/** The table a stream belongs to, from the stream's ARN (`…:table/<name>/stream/<label>`). */
export function tableOfStream(streamArn: string): string {
  return streamArn.split(':table/')[1]?.split('/stream/')[0] ?? '';
}

/**
 * The stream triggers a function's invocation may have given records to: those on the tables it names
 * in its environment (a function reaches a table only by the name its configuration gives it). The
 * cloud wakes them when one of its invocations ends.
 */
export function streamsWritableBy<T extends { tableName: string }>(
  environment: Record<string, string> | undefined,
  triggers: T[],
): T[] {
  const named = new Set(Object.values(environment ?? {}));
  return triggers.filter((trigger) => named.has(trigger.tableName));
}

/** Index of the first record a partial batch response says failed, or -1 when all succeeded. */
export function firstFailedIndex(records: DynamoDBRecord[], result: unknown): number {
  const failures = (result as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return -1;
  let first = records.length;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown })?.itemIdentifier;
    const index = records.findIndex((record) => record.dynamodb?.SequenceNumber === id);
    // An identifier that matches nothing fails the whole batch, as Lambda does.
    if (index < 0) return 0;
    first = Math.min(first, index);
  }
  return first;
}

/**
 * The event source mapping for a DynamoDB stream: reads each shard in order, invokes the function
 * with batches, and on failure retries the batch (halving it when bisecting) up to
 * maximumRetryAttempts before handing Lambda's failure record to the on-failure destination and
 * moving on. With ReportBatchItemFailures it resumes from the first failed record.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
 */
export class DynamoStreamTrigger {
  readonly #streams: DynamoDBStreamsClient;
  readonly #options: StreamTriggerOptions;
  readonly #iterators = new Map<string, string | undefined>();
  readonly #filter: ((record: DynamoDBRecord) => boolean) | undefined;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #woken = false;
  #delivering = 0;

  constructor(streams: DynamoDBStreamsClient, options: StreamTriggerOptions) {
    this.#streams = streams;
    this.#options = options;
    this.#filter = recordFilter(options.filterPatterns);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  async #shards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.#streams.send(
        new DescribeStreamCommand({
          StreamArn: this.#options.streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return shards;
  }

  async #iteratorFor(shard: Shard): Promise<string | undefined> {
    const shardId = shard.ShardId!;
    if (this.#iterators.has(shardId)) return this.#iterators.get(shardId);
    const checkpoint = this.#options.checkpoints.get(this.#options.mappingKey, shardId);
    const { ShardIterator } = await this.#streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.#options.streamArn,
        ShardId: shardId,
        ...(checkpoint?.sequenceNumber
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: checkpoint.sequenceNumber }
          : { ShardIteratorType: this.#options.startingPosition }),
      }),
    );
    this.#iterators.set(shardId, ShardIterator);
    return ShardIterator;
  }

  /** The table whose stream this reads. */
  get tableName(): string {
    return tableOfStream(this.#options.streamArn);
  }

  /** True while a batch is being delivered, retries and their back-off included. */
  get busy(): boolean {
    return this.#delivering > 0;
  }

  async #deliver(shardId: string, records: DynamoDBRecord[]): Promise<void> {
    this.#delivering++;
    try {
      await this.#deliverBatches(shardId, records);
    } finally {
      this.#delivering--;
    }
  }

  async #deliverBatches(shardId: string, records: DynamoDBRecord[]): Promise<void> {
    let pending = records;
    let attempts = 0;
    let size = pending.length;
    while (pending.length > 0 && this.#running) {
      const batch = pending.slice(0, size);
      let failedFrom = -1;
      try {
        const result = await this.#options.invoke({ Records: batch });
        failedFrom = this.#options.reportBatchItemFailures ? firstFailedIndex(batch, result) : -1;
      } catch {
        failedFrom = 0;
      }
      const done = failedFrom < 0 ? batch.length : failedFrom;
      if (done > 0) {
        this.#options.checkpoints.set(this.#options.mappingKey, shardId, {
          sequenceNumber: batch[done - 1]!.dynamodb!.SequenceNumber,
        });
        pending = pending.slice(done);
        attempts = 0;
        size = pending.length;
        continue;
      }
      attempts++;
      if (attempts > this.#options.maximumRetryAttempts) {
        await this.#options.onFailure?.(this.#failureRecord(shardId, batch, attempts));
        this.#options.checkpoints.set(this.#options.mappingKey, shardId, {
          sequenceNumber: batch[batch.length - 1]!.dynamodb!.SequenceNumber,
        });
        pending = pending.slice(batch.length);
        attempts = 0;
        size = pending.length;
        continue;
      }
      if (this.#options.bisectBatchOnFunctionError && size > 1) size = Math.ceil(size / 2);
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempts)));
    }
  }

  #failureRecord(shardId: string, batch: DynamoDBRecord[], attempts: number): Record<string, unknown> {
    const first = batch[0]!.dynamodb!;
    const last = batch[batch.length - 1]!.dynamodb!;
    return {
      requestContext: {
        requestId: crypto.randomUUID(),
        functionArn: this.#options.functionArn,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: attempts,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first.SequenceNumber,
        endSequenceNumber: last.SequenceNumber,
        approximateArrivalOfFirstRecord: new Date(
          Number(first.ApproximateCreationDateTime) * 1000,
        ).toISOString(),
        approximateArrivalOfLastRecord: new Date(
          Number(last.ApproximateCreationDateTime) * 1000,
        ).toISOString(),
        batchSize: batch.length,
        streamArn: this.#options.streamArn,
      },
    };
  }

  async #pollShard(shard: Shard): Promise<boolean> {
    const shardId = shard.ShardId!;
    if (this.#options.checkpoints.get(this.#options.mappingKey, shardId)?.done) return false;
    const iterator = await this.#iteratorFor(shard);
    if (!iterator) return false;
    let response: { Records?: StreamRecord[]; NextShardIterator?: string };
    try {
      response = await this.#streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    } catch (error) {
      if (error instanceof ExpiredIteratorException) {
        this.#iterators.delete(shardId);
        return false;
      }
      // DynamoDB Local answers an iterator taken on a still-empty shard with TrimmedDataAccessException
      // once another table has written first (its sequence numbers are shared across tables). Nothing was
      // read yet, so take a fresh iterator from the checkpoint (or the start) and read again.
      if ((error as Error).name === 'TrimmedDataAccessException') {
        this.#iterators.delete(shardId);
        return false;
      }
      throw error;
    }
    const read = (response.Records ?? []).map((record) => toLambdaRecord(record, this.#options.streamArn));
    const records = this.#filter ? read.filter(this.#filter) : read;
    for (let index = 0; index < records.length; index += this.#options.batchSize) {
      await this.#deliver(shardId, records.slice(index, index + this.#options.batchSize));
    }
    // Records the filter dropped are behind the mapping too (unless it stopped mid-delivery).
    if (records.length < read.length && this.#running) {
      this.#options.checkpoints.set(this.#options.mappingKey, shardId, {
        sequenceNumber: read[read.length - 1]!.dynamodb!.SequenceNumber,
      });
    }
    if (response.NextShardIterator) this.#iterators.set(shardId, response.NextShardIterator);
    else {
      this.#iterators.delete(shardId);
      this.#options.checkpoints.set(this.#options.mappingKey, shardId, { done: true });
    }
    return read.length > 0;
  }

  /**
   * Something may have written to the table (the cloud calls this when an invocation of a function
   * that names the table in its environment ends): read now instead of at the quiet stream's next
   * read, but never sooner than pollIntervalMs after the last. An idle stream then costs about one
   * read a second, not ten (a started test cloud's DynamoDB Local spent 85 ms of CPU a second answering
   * its four triggers' reads), and a record written by a function is read without waiting out the
   * interval.
   */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  #rest(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async #run(): Promise<void> {
    const interval = this.#options.pollIntervalMs ?? 100;
    const idleMax = Math.max(interval, this.#options.idlePollMaxMs ?? 1_000);
    let quietFor = interval;
    let shards: Shard[] = [];
    let shardsRefreshedAt = 0;
    while (this.#running) {
      const roundStartedAt = Date.now();
      this.#woken = false;
      try {
        if (Date.now() - shardsRefreshedAt > 2_000) {
          shards = await this.#shards();
          shardsRefreshedAt = Date.now();
        }
        let busy = false;
        for (const shard of shards) {
          // A child shard is read only once its parent is finished, which keeps each item's changes in order.
          const parent = shard.ParentShardId;
          if (parent && shards.some((candidate) => candidate.ShardId === parent)) {
            if (!this.#options.checkpoints.get(this.#options.mappingKey, parent)?.done) continue;
          }
          busy = (await this.#pollShard(shard)) || busy;
        }
        if (busy) quietFor = interval;
        else {
          if (!this.#woken) await this.#rest(quietFor);
          quietFor = this.#woken ? interval : Math.min(idleMax, quietFor * 2);
          const sinceRound = Date.now() - roundStartedAt;
          if (this.#woken && this.#running && sinceRound < interval)
            await new Promise((resolve) => setTimeout(resolve, interval - sinceRound));
        }
      } catch (error) {
        if (!this.#running) return;
        this.#options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
  }
}
