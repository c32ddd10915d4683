// fauxqs sends no S3 event notifications, but its message spy records every object write. This module
// turns those records into S3's EventBridge "Object Created" events for the buckets that have EventBridge
// notifications enabled, so SDK writes straight to the emulator (PutObject, CopyObject, multipart
// uploads) notify consumers as S3 would.
//
// The spy offers only buffered look-ups and one-shot waits (`waitForMessage`), no subscription. Its
// recorder, `addMessage`, is a method on the very object `server.spy` returns and every store calls
// through it, so wrapping that method on the instance sees each record synchronously, in order, and
// nothing is missed between two waits. A record says only bucket, key and "uploaded"; size and ETag come
// from a HeadObject right after, and the API used is inferred from what fauxqs records in the same turn:
//   - CopyObject records "uploaded" then "copied" for the destination;
//   - fauxqs's own PostObject records "uploaded" twice (store, then action);
//   - a completed multipart upload has a multipart ETag (`<md5>-<parts>`);
//   - anything else is a PutObject.

import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { FauxqsServer, MessageSpyReader, SpyMessage } from 'fauxqs';
import { newRequestId } from './errors.ts';
import type { ObjectCreatedReason, S3ObjectCreatedEvent } from './events.ts';
import { LOCAL_ACCOUNT_ID, nextSequencer, objectCreatedEvent } from './events.ts';

/** Options of `watchFauxqsUploads`. */
export interface FauxqsUploadWatchOptions {
  /** Buckets with EventBridge notifications enabled, read at each write (so it may change over time). */
  buckets: () => ReadonlySet<string>;
  /** Receives each event; a rejection or throw goes to `onError`. */
  onObjectCreated: (event: S3ObjectCreatedEvent) => void | Promise<void>;
  /**
   * Writes to leave out, checked when the write happens. Pass the S3 front's `isStoring` so uploads the
   * front already reported (as PostObject) are not reported again as its internal PutObject.
   */
  skipUpload?: (bucket: string, key: string) => boolean;
  /** Region in the events; default `us-east-1` (fauxqs's default). */
  region?: string;
  /** Bucket owner and requester account in the events; default fauxqs's `000000000000`. */
  accountId?: string;
  /** Where failures go (object gone before HeadObject, callback errors); default `console.error`. */
  onError?: (error: unknown) => void;
}

/** A running watch. */
export interface FauxqsUploadWatch {
  /** Stops emitting; writes already seen still finish unless `close()` is awaited. */
  stop(): void;
  /** Resolves once every write seen so far has been emitted (or failed). */
  idle(): Promise<void>;
  /** Stops, waits for `idle()`, and releases the HeadObject client. */
  close(): Promise<void>;
}

/** A write seen in the current turn, its API still being inferred. */
interface SeenUpload {
  bucket: string;
  key: string;
  reason: ObjectCreatedReason | undefined;
  sequencer: string;
  time: Date;
}

/**
 * Emits S3 "Object Created" EventBridge events for objects written to fauxqs, from its message spy
 * (start fauxqs with `messageSpies: true`).
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 * @example
 * const fauxqs = await startFauxqs({ port: 0, logger: false, messageSpies: true });
 * const front = createS3Front({ s3Endpoint: fauxqs.address, ...config, onObjectCreated: putEvent });
 * const watch = watchFauxqsUploads(fauxqs, {
 *   buckets: () => eventBridgeBuckets,
 *   onObjectCreated: putEvent,
 *   skipUpload: front.isStoring,
 * });
 */
export function watchFauxqsUploads(
  server: Pick<FauxqsServer, 'spy' | 'port'>,
  options: FauxqsUploadWatchOptions,
): FauxqsUploadWatch {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const onError = options.onError ?? reportToConsole;
  const s3 = new S3Client({
    endpoint: `http://127.0.0.1:${server.port}`,
    region,
    forcePathStyle: true,
    // fauxqs checks no credentials; HeadObject must not touch the object (GetObject would spy "downloaded").
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const inFlight = new Set<Promise<void>>();
  let turn: SeenUpload[] = [];
  let stopped = false;

  function onSpyMessage(message: SpyMessage): void {
    if (stopped || message.service !== 's3') return;
    if (message.status === 'copied') {
      const upload = findInTurn(message.bucket, message.key);
      if (upload) upload.reason = 'CopyObject';
      return;
    }
    if (message.status !== 'uploaded') return;
    const repeated = findInTurn(message.bucket, message.key);
    if (repeated) {
      repeated.reason = 'PostObject';
      return;
    }
    if (!options.buckets().has(message.bucket)) return;
    if (options.skipUpload?.(message.bucket, message.key)) return;
    if (turn.length === 0) queueMicrotask(flushTurn);
    // Sequencer and time are taken now, at the write, so events keep the writes' order.
    turn.push({
      bucket: message.bucket,
      key: message.key,
      reason: undefined,
      sequencer: nextSequencer(),
      time: new Date(),
    });
  }

  function findInTurn(bucket: string, key: string): SeenUpload | undefined {
    return turn.findLast((upload) => upload.bucket === bucket && upload.key === key);
  }

  // Runs after the write's synchronous records (a copy's "copied", a POST's second "uploaded") are in.
  function flushTurn(): void {
    const uploads = turn;
    turn = [];
    for (const upload of uploads) {
      const emission = emit(upload).finally(function forget() {
        inFlight.delete(emission);
      });
      inFlight.add(emission);
    }
  }

  async function emit(upload: SeenUpload): Promise<void> {
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: upload.bucket, Key: upload.key }));
      const etag = head.ETag ?? '';
      const reason = upload.reason ?? (/-\d+"?$/.test(etag) ? 'CompleteMultipartUpload' : 'PutObject');
      if (stopped) return;
      await options.onObjectCreated(
        objectCreatedEvent({
          bucket: upload.bucket,
          key: upload.key,
          size: head.ContentLength ?? 0,
          etag,
          reason,
          requestId: newRequestId(),
          requester: accountId,
          sourceIpAddress: '127.0.0.1',
          account: accountId,
          region,
          time: upload.time,
          sequencer: upload.sequencer,
        }),
      );
    } catch (error) {
      onError(error);
    }
  }

  const unsubscribe = subscribeToSpy(server.spy, onSpyMessage);

  async function idle(): Promise<void> {
    // A write seen in this turn is flushed by a microtask; let it run before looking at what is in flight.
    await Promise.resolve();
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  }

  return {
    stop: function stop() {
      stopped = true;
      unsubscribe();
    },
    idle,
    close: async function close() {
      stopped = true;
      unsubscribe();
      await idle();
      s3.destroy();
    },
  };
}

type SpyListener = (message: SpyMessage) => void;

/** One wrapper per spy, shared by every watch on it. */
const listenersBySpy = new WeakMap<object, Set<SpyListener>>();

/**
 * Calls `listener` with every record the spy takes, synchronously after the spy stored it. Returns the
 * function that unsubscribes.
 */
export function subscribeToSpy(spy: MessageSpyReader, listener: SpyListener): () => void {
  let listeners = listenersBySpy.get(spy);
  if (!listeners) {
    const recorder = spy as MessageSpyReader & { addMessage?: (message: SpyMessage) => void };
    const record = recorder.addMessage;
    if (typeof record !== 'function') {
      throw new Error('this fauxqs version has no spy.addMessage to observe; S3 upload events need it');
    }
    const subscribed = new Set<SpyListener>();
    recorder.addMessage = function addMessageAndNotify(message: SpyMessage): void {
      record.call(spy, message);
      for (const notify of subscribed) {
        try {
          notify(message);
        } catch (error) {
          // A listener's bug must not fail the emulator's request that recorded the message.
          reportToConsole(error);
        }
      }
    };
    listenersBySpy.set(spy, subscribed);
    listeners = subscribed;
  }
  const current = listeners;
  current.add(listener);
  return function unsubscribe() {
    current.delete(listener);
  };
}

function reportToConsole(error: unknown): void {
  console.error('[s3-front] object created event failed:', error);
}
