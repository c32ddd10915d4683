// S3's EventBridge "Object Created" notification, built the way S3 builds it, so consumers (the media
// service's rule and handler) see locally exactly what they will see in AWS.

import { randomUUID } from 'node:crypto';

/** The S3 API that created the object, as S3 puts it in `detail.reason`. */
export type ObjectCreatedReason = 'PutObject' | 'PostObject' | 'CopyObject' | 'CompleteMultipartUpload';

/**
 * An S3 "Object Created" event as EventBridge delivers it. `version-id` appears only for versioned
 * buckets, which the emulator does not have.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html
 */
export interface S3ObjectCreatedEvent {
  version: '0';
  id: string;
  'detail-type': 'Object Created';
  source: 'aws.s3';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    version: '0';
    bucket: { name: string };
    object: { key: string; size: number; etag: string; sequencer: string };
    'request-id': string;
    requester: string;
    'source-ip-address': string;
    reason: ObjectCreatedReason;
  };
}

/** What is known about a created object when its event is built. */
export interface ObjectCreatedFacts {
  bucket: string;
  key: string;
  size: number;
  /** The ETag with or without its quotes; the event carries it unquoted. */
  etag: string;
  reason: ObjectCreatedReason;
  requestId: string;
  /** Account id of whoever wrote the object. */
  requester: string;
  sourceIpAddress: string;
  /** Account id of the bucket owner. */
  account: string;
  region: string;
  /** Defaults to now. */
  time?: Date;
  /** Defaults to `nextSequencer()`; pass one taken when the write happened to keep writes in order. */
  sequencer?: string;
}

/** The account id fauxqs uses for everything; the local cloud's buckets all belong to it. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** Builds the EventBridge event S3 sends for a created object. */
export function objectCreatedEvent(facts: ObjectCreatedFacts): S3ObjectCreatedEvent {
  const time = facts.time ?? new Date();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: facts.account,
    // EventBridge times carry whole seconds: 2021-11-12T00:00:00Z.
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: facts.region,
    resources: [`arn:aws:s3:::${facts.bucket}`],
    detail: {
      version: '0',
      bucket: { name: facts.bucket },
      object: {
        key: facts.key,
        size: facts.size,
        etag: facts.etag.replace(/^"|"$/g, ''),
        sequencer: facts.sequencer ?? nextSequencer(),
      },
      'request-id': facts.requestId,
      requester: facts.requester,
      'source-ip-address': facts.sourceIpAddress,
      reason: facts.reason,
    },
  };
}

let lastSequence = 0n;

/**
 * A sequencer as S3 makes them: upper-case hex that grows with every write in this process, so two events
 * for one key order the way the writes did (compare after left-padding to equal length, as S3 advises).
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export function nextSequencer(): string {
  const fromClock = BigInt(Date.now()) << 16n;
  lastSequence = fromClock > lastSequence ? fromClock : lastSequence + 1n;
  return lastSequence.toString(16).toUpperCase().padStart(18, '0');
}

/** The caller's address as S3 reports it: IPv4-mapped IPv6 addresses in their IPv4 form. */
export function sourceIpAddress(remoteAddress: string | undefined): string {
  if (!remoteAddress) return '127.0.0.1';
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice('::ffff:'.length) : remoteAddress;
}
