import { describe, expect, it } from '@jest/globals';
import { MAX_PHOTO_BYTES, parseUploadKey, uploadKey } from '../../src/domain/photo.ts';
import { HEIC_REFUSAL, JobPath, UploadRequest } from '../../src/domain/photo-input.ts';

function problems(input: unknown): string[] {
  const result = UploadRequest.safeParse(input);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('upload request', () => {
  it.each(['image/jpeg', 'image/png', 'image/webp', 'IMAGE/JPEG'])(
    'given %s, then it is accepted',
    (type) => {
      expect(UploadRequest.parse({ contentType: type, size: 1 })).toEqual({
        contentType: type.toLowerCase(),
        size: 1,
      });
    },
  );

  it('given 10 MB exactly, then it is accepted; 0 and 10 MB + 1 are not', () => {
    expect(problems({ contentType: 'image/jpeg', size: MAX_PHOTO_BYTES })).toEqual([]);
    expect(problems({ contentType: 'image/jpeg', size: 0 })).toEqual(['size: must be at least 1 byte']);
    expect(problems({ contentType: 'image/jpeg', size: MAX_PHOTO_BYTES + 1 })).toEqual([
      'size: must be at most 10 MB (10485760 bytes)',
    ]);
    expect(problems({ contentType: 'image/jpeg', size: 1.5 })).toHaveLength(1);
  });

  it.each(['text/html', 'image/svg+xml', 'image/gif', 'image/jpeg/../../x', '../photos/x.jpg'])(
    'given the type %s, then it is refused with the allowed list',
    (type) => {
      expect(problems({ contentType: type, size: 10 })).toEqual([
        'contentType: must be one of image/jpeg, image/png, image/webp',
      ]);
    },
  );

  it.each(['image/heic', 'image/heif', 'Image/HEIC'])(
    'given %s (the iPhone default), then it is refused with what to do instead',
    (type) => {
      expect(problems({ contentType: type, size: 10 })).toEqual([`contentType: ${HEIC_REFUSAL}`]);
      expect(HEIC_REFUSAL).toMatch(/Most Compatible/);
    },
  );

  it('given a file name or any other field, then it is refused (keys are the server’s to choose)', () => {
    expect(problems({ contentType: 'image/jpeg', size: 10, filename: '../../etc/passwd' })).toEqual([
      ': Unrecognized key: "filename"',
    ]);
    expect(problems({ contentType: 'image/jpeg', size: 10, key: 'photos/other/x.jpg' })).toHaveLength(1);
  });

  it.each(['../etc', 'qdn_01/../x', 'a b', '', 'x'.repeat(65), 'qdn_01%2F..'])(
    'given the job id %j, then the path is refused',
    (jobId) => {
      expect(JobPath.safeParse({ jobId }).success).toBe(false);
    },
  );
});

describe('upload keys', () => {
  it('given a job and photo, then the key is built from them alone and parses back', () => {
    const key = uploadKey(
      'qdn_01JTESTJOB0000000000000000',
      '0e3c4a1c-5b1e-4a8e-9f0a-0123456789ab',
      'image/png',
    );
    expect(key).toBe('photos/qdn_01JTESTJOB0000000000000000/0e3c4a1c-5b1e-4a8e-9f0a-0123456789ab.png');
    expect(parseUploadKey(key)).toEqual({
      jobId: 'qdn_01JTESTJOB0000000000000000',
      photoId: '0e3c4a1c-5b1e-4a8e-9f0a-0123456789ab',
      extension: 'png',
    });
  });

  it.each([
    'photos/../0e3c4a1c-5b1e-4a8e-9f0a-0123456789ab.jpg',
    'photos/job/../../0e3c4a1c-5b1e-4a8e-9f0a-0123456789ab.jpg',
    'photos/job/IMG_0001.jpg',
    'thumbnails/job/0e3c4a1c-5b1e-4a8e-9f0a-0123456789ab.jpg',
    'photos/job/0e3c4a1c-5b1e-4a8e-9f0a-0123456789ab.jpg.exe',
  ])('given the object key %s, then it is not an upload key', (key) => {
    expect(parseUploadKey(key)).toBeUndefined();
  });
});
