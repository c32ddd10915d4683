// The dispatcher console of a stage: built from services/console by `npm run deploy` and uploaded to the
// console stack's bucket with the stage's config.json, copied from one stage's bucket to another's by
// `npm run promote` (the same built files; the target keeps a config.json of its own), and exactly the
// changed paths invalidated. The console stack's /qdn/<stage>/console parameter says where and with what.
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { BrandCatalog } from '@qdn/shared/brands';
import * as z from 'zod';
import { type ConsoleBuild, cacheControlFor, isContentHashed } from '../../services/console/build.ts';
import type { ConsoleConfig } from '../../services/console/src/config.ts';
import { type BucketFile, readStageTarget, type SiteChanges, syncBucket } from './site.ts';

/** Per stage, written by the console stack: its bucket and distribution, and what config.json says. */
export const ConsoleTarget = z.object({
  bucket: z.string().min(3),
  distributionId: z.string().min(1),
  apiBaseUrl: z.url(),
  /** The Cognito Hosted UI's origin (the jobs stack's user pool domain). */
  authDomain: z.url(),
  /** The jobs stack's staff app client. */
  clientId: z.string().min(1),
  /** The board map's public key (`AWS::Location::APIKey`): CloudFormation can't output its value. */
  mapsKeyName: z.string().min(1),
  region: z.string().min(1),
});
export type ConsoleTarget = z.infer<typeof ConsoleTarget>;

export const consoleParameterName = (stage: string) => `/qdn/${stage}/console`;

export const readConsoleTarget = (ssm: SSMClient, stage: string) =>
  readStageTarget(ssm, consoleParameterName(stage), ConsoleTarget, 'the console stack');

/** A public maps key's value by name (Amazon Location's DescribeKey); undefined when there is none. */
export type DescribeMapsKey = (keyName: string) => Promise<string | undefined>;

/**
 * The business's time zone from the stage's brand catalog (/qdn/<stage>/brands): its default brand's, as
 * the local cloud gives its console. Undefined when the catalog can't be read as one: the console then
 * learns the zone from the brands it meets.
 */
export function catalogTimeZone(brandsValue: string | undefined): string | undefined {
  try {
    const catalog = BrandCatalog.safeParse(JSON.parse(brandsValue ?? ''));
    if (!catalog.success) return undefined;
    return catalog.data.brands.find((brand) => brand.brandId === catalog.data.defaultBrandId)?.timeZone;
  } catch {
    return undefined;
  }
}

/**
 * The stage's config.json for the console. Without the maps key's value the board has no map and
 * everything else works, so a missing key is a note, not a failed deploy; likewise the time zone (the
 * day the board opens on wherever the dispatcher's device is).
 */
export function consoleConfig(
  target: ConsoleTarget,
  mapsKey: string | undefined,
  timeZone?: string,
): ConsoleConfig {
  return {
    apiBaseUrl: target.apiBaseUrl,
    auth: { domain: target.authDomain, clientId: target.clientId },
    ...(timeZone ? { timeZone } : {}),
    ...(mapsKey
      ? {
          map: {
            styleUrl: `https://maps.geo.${target.region}.amazonaws.com/v2/styles/Standard/descriptor?key=${encodeURIComponent(mapsKey)}`,
          },
        }
      : {}),
  };
}

export const configFile = (config: ConsoleConfig): BucketFile => ({
  body: Buffer.from(JSON.stringify(config)),
  contentType: 'application/json',
  cacheControl: 'no-cache',
});

/**
 * What a deploy or promotion leaves in the console's bucket though the new build doesn't name it: earlier
 * builds' hashed files. A dispatcher keeps the console open all day, and an app loaded before the deploy
 * still imports its own board-map chunk and MapLibre worker by their old names; deleted, those would be
 * answered with index.html. They are small, and never change.
 */
export const keepEarlierBuilds = isContentHashed;

/** Uploads a console build and the stage's config.json to its bucket: only what changed. */
export function uploadConsole(options: {
  s3: S3Client;
  target: ConsoleTarget;
  build: Pick<ConsoleBuild, 'files'>;
  config: ConsoleConfig;
}): Promise<SiteChanges> {
  const files = new Map<string, BucketFile>();
  for (const [path, file] of options.build.files) {
    const key = path.replace(/^\//, '');
    files.set(key, { body: file.body, contentType: file.type, cacheControl: cacheControlFor(key) });
  }
  files.set('config.json', configFile(options.config));
  return syncBucket({ s3: options.s3, bucket: options.target.bucket, files, keep: keepEarlierBuilds });
}
