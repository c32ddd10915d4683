import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { templatePath } from '../../scripts/services.ts';
import type { Template } from './checks.ts';

// The media bucket as packaged (issue "Media"): private, encrypted, TLS only, CORS for the dashboard and
// the brands' tracking pages only, and a lifecycle for uploads that were never accepted.
const template = JSON.parse(readFileSync(templatePath('media'), 'utf8')) as Template;

/** The value at a path of the template, e.g. `at('MediaBucket', 'Properties', 'CorsConfiguration')`. */
function at(...path: (string | number)[]): unknown {
  return path.reduce<unknown>(
    (value, key) => (value as Record<string | number, unknown> | undefined)?.[key],
    template.Resources,
  );
}

describe('the packaged media bucket', () => {
  it('blocks every kind of public access, encrypts at rest and takes TLS only', () => {
    expect(at('MediaBucket', 'Properties', 'PublicAccessBlockConfiguration')).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(at('MediaBucket', 'Properties', 'OwnershipControls', 'Rules')).toEqual([
      { ObjectOwnership: 'BucketOwnerEnforced' },
    ]);
    expect(
      at('MediaBucket', 'Properties', 'BucketEncryption', 'ServerSideEncryptionConfiguration', 0),
    ).toEqual({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } });
    expect(at('MediaBucketPolicy', 'Properties', 'PolicyDocument', 'Statement')).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('allows browsers from the dashboard and tracking origins only', () => {
    const rules = at('MediaBucket', 'Properties', 'CorsConfiguration', 'CorsRules') as unknown[];
    expect(rules).toHaveLength(1);
    const origins = String(
      at('MediaBucket', 'Properties', 'CorsConfiguration', 'CorsRules', 0, 'AllowedOrigins', 'Fn::Split', 1),
    ).split(',');
    expect(origins).toContain('https://dashboard.quickdumpnow.com');
    expect(origins).toContain('https://quickdumpnow.com');
    expect(origins.every((origin) => origin.startsWith('https://') && !origin.includes('*'))).toBe(true);
    expect(at('MediaBucket', 'Properties', 'CorsConfiguration', 'CorsRules', 0, 'AllowedMethods')).toEqual([
      'GET',
      'HEAD',
      'POST',
    ]);
  });

  it('expires uploads never accepted from the inbox, after the DLQ’s 14 days', () => {
    const rules = at('MediaBucket', 'Properties', 'LifecycleConfiguration', 'Rules');
    expect(rules).toContainEqual(
      expect.objectContaining({ Status: 'Enabled', Prefix: 'photos/', ExpirationInDays: 15 }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
    );
    // Booking drafts never booked: their checked photos go after 2 days (DRAFT_PHOTO_DAYS, the records' TTL).
    for (const prefix of ['originals/draft_', 'thumbnails/draft_', 'customer/draft_']) {
      expect(rules).toContainEqual(
        expect.objectContaining({ Status: 'Enabled', Prefix: prefix, ExpirationInDays: 2 }),
      );
    }
    // The Object Created rule watches the same inbox, and nothing else of the bucket.
    expect(at('PhotosRule', 'Properties', 'EventPattern', 'detail', 'object', 'key')).toEqual([
      { prefix: 'photos/' },
    ]);
  });
});

describe('the booking drafts’ records', () => {
  it('expire by TTL: the photo records (a draft’s after 2 days) and the drafts’ claims', () => {
    for (const table of ['PhotosTable', 'PhotoDraftsTable']) {
      expect(at(table, 'Properties', 'TimeToLiveSpecification')).toEqual({
        AttributeName: 'expiresAt',
        Enabled: true,
      });
    }
  });
});
