// The public pages of a stage: uploaded from services/site/public by `npm run deploy`, copied from one
// stage's bucket to another's by `npm run promote`, and exactly the changed paths invalidated in the
// stage's CloudFront distribution. Everything goes through the AWS SDK, so the local cloud's S3 and its
// CloudFront invalidation recorder answer in tests.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import * as z from 'zod';

/** Per stage, written by the site stack: where its pages live and what config.json tells them. */
export const SiteTarget = z.object({
  bucket: z.string().min(3),
  distributionId: z.string().min(1),
  apiBaseUrl: z.url(),
  defaultBrandId: z.string().min(1),
});
export type SiteTarget = z.infer<typeof SiteTarget>;

export const siteParameterName = (stage: string) => `/qdn/${stage}/site`;

/** Written per stage by the deploy (API origin, default brand): never copied between stages. */
export const STAGE_OWN_FILES = new Set(['config.json']);

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** A stage's deploy target, a JSON SSM parameter its stack writes, checked against `schema`. */
export async function readStageTarget<T>(
  ssm: SSMClient,
  name: string,
  schema: z.ZodType<T>,
  writtenBy: string,
): Promise<T> {
  try {
    const answer = await ssm.send(new GetParameterCommand({ Name: name }));
    return schema.parse(JSON.parse(answer.Parameter?.Value ?? ''));
  } catch (error) {
    throw new Error(`cannot read ${name} (${writtenBy} writes it): ${(error as Error).message}`);
  }
}

export const readSiteTarget = (ssm: SSMClient, stage: string) =>
  readStageTarget(ssm, siteParameterName(stage), SiteTarget, 'the site stack');

/** Every object of a bucket with its ETag (an MD5 of the content for objects put in one part). */
async function listBucket(s3: S3Client, bucket: string): Promise<Map<string, string>> {
  const objects = new Map<string, string>();
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
    for (const object of page.Contents ?? [])
      if (object.Key) objects.set(object.Key, (object.ETag ?? '').replaceAll('"', ''));
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return objects;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

async function deleteKeys(s3: S3Client, bucket: string, keys: string[]): Promise<void> {
  for (let start = 0; start < keys.length; start += 1000) {
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.slice(start, start + 1000).map((Key) => ({ Key })) },
      }),
    );
  }
}

export interface SiteChanges {
  /** Keys written (new or changed content). */
  written: string[];
  /** Keys removed (no longer in the source). */
  deleted: string[];
}

/** One object to keep in a bucket: its content and the headers it is served with. */
export interface BucketFile {
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

/** Writes the files whose content differs from the bucket's (MD5 against the ETag); the keys written. */
export async function writeChanged(options: {
  s3: S3Client;
  bucket: string;
  files: Map<string, BucketFile>;
  /** The bucket's objects with their ETags, when already listed. */
  existing?: Map<string, string>;
}): Promise<string[]> {
  const { s3, bucket, files } = options;
  const existing = options.existing ?? (await listBucket(s3, bucket));
  const written: string[] = [];
  for (const [key, file] of files) {
    if (existing.get(key) === createHash('md5').update(file.body).digest('hex')) continue;
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: file.body,
        ContentType: file.contentType,
        CacheControl: file.cacheControl,
      }),
    );
    written.push(key);
  }
  return written;
}

/**
 * Makes a bucket hold `files`: writes what is new or changed, removes what is no longer there (except
 * what `keep` says stays). The site's pages and the console's built app are deployed this way.
 */
export async function syncBucket(options: {
  s3: S3Client;
  bucket: string;
  files: Map<string, BucketFile>;
  keep?: (key: string) => boolean;
}): Promise<SiteChanges> {
  const existing = await listBucket(options.s3, options.bucket);
  const written = await writeChanged({ ...options, existing });
  const deleted = [...existing.keys()].filter((key) => !options.files.has(key) && !options.keep?.(key));
  await deleteKeys(options.s3, options.bucket, deleted);
  return { written, deleted };
}

/**
 * Uploads services/site/public to a stage's bucket (only what changed) and writes the stage's
 * config.json. Pages are `no-cache` so a browser revalidates (a 304 when unchanged).
 */
export async function uploadSite(options: {
  s3: S3Client;
  target: SiteTarget;
  publicDir: string;
}): Promise<SiteChanges> {
  const { target } = options;
  const page = (key: string, body: Buffer): BucketFile => ({
    body,
    contentType: CONTENT_TYPES[extname(key)] ?? 'application/octet-stream',
    cacheControl: 'no-cache',
  });
  const files = new Map(
    filesUnder(options.publicDir)
      .filter((key) => !STAGE_OWN_FILES.has(key))
      .map((key) => [key, page(key, readFileSync(join(options.publicDir, key)))] as const),
  );
  const config = { apiBaseUrl: target.apiBaseUrl, defaultBrandId: target.defaultBrandId };
  files.set('config.json', page('config.json', Buffer.from(JSON.stringify(config))));
  return syncBucket({ s3: options.s3, bucket: target.bucket, files });
}

/**
 * Makes the target stage's bucket hold the source stage's pages (or console): copies what is new or
 * different (content type and cache headers travel with the copy), removes what the source no longer
 * has (except what `keep` says stays), and leaves the target's own config.json alone.
 */
export async function copySite(options: {
  s3: S3Client;
  from: string;
  to: string;
  keep?: (key: string) => boolean;
}): Promise<SiteChanges> {
  const { s3 } = options;
  const [source, target] = await Promise.all([listBucket(s3, options.from), listBucket(s3, options.to)]);
  const written: string[] = [];
  for (const [key, etag] of source) {
    if (STAGE_OWN_FILES.has(key) || target.get(key) === etag) continue;
    await s3.send(
      new CopyObjectCommand({
        Bucket: options.to,
        Key: key,
        CopySource: `${options.from}/${key.split('/').map(encodeURIComponent).join('/')}`,
        MetadataDirective: 'COPY',
      }),
    );
    written.push(key);
  }
  const deleted = [...target.keys()].filter(
    (key) => !source.has(key) && !STAGE_OWN_FILES.has(key) && !options.keep?.(key),
  );
  await deleteKeys(s3, options.to, deleted);
  return { written, deleted };
}

/**
 * The distribution's cache keys of changed objects. The viewer-request function rewrites page URLs to
 * their files before the cache lookup (`/track/abc` → `/track.html`), so the file's own path is the key.
 */
export function invalidationPaths(changes: SiteChanges): string[] {
  return [...changes.written, ...changes.deleted]
    .map((key) => `/${key.split('/').map(encodeURIComponent).join('/')}`)
    .sort();
}

/** Invalidates exactly the changed paths (nothing when nothing changed); the invalidation's id. */
export async function invalidate(options: {
  cloudfront: CloudFrontClient;
  distributionId: string;
  paths: string[];
  reference: string;
}): Promise<string | undefined> {
  if (options.paths.length === 0) return undefined;
  const answer = await options.cloudfront.send(
    new CreateInvalidationCommand({
      DistributionId: options.distributionId,
      InvalidationBatch: {
        CallerReference: options.reference,
        Paths: { Quantity: options.paths.length, Items: options.paths },
      },
    }),
  );
  return answer.Invalidation?.Id;
}

/** CloudFront is global: its API lives in us-east-1 whatever the stage's region. */
export function cloudFrontClient(): CloudFrontClient {
  return new CloudFrontClient({ region: 'us-east-1' });
}
