import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { PermanentError } from '@qdn/shared/errors';
import sharp from 'sharp';
import { imageTools } from '../../src/adapters/image-tools.ts';
import { photos } from '../../src/consumers.ts';
import { checkUpload } from '../../src/domain/photo-checks.ts';
import { requestUpload } from '../../src/domain/photo-commands.ts';
import { photoCheckContext } from './fakes.ts';

// The image tools with the real sharp (libvips): what the photos consumer decodes, and how.

const JOB = 'qdn_01JTESTJOB0000000000000000';

/**
 * A progressive JPEG whose entropy-coded data is slightly corrupt: 32 one-bits (stuffed `FF 00` four
 * times) a little into its first scan, which is no Huffman code. libjpeg warns "Corrupt JPEG data: bad
 * Huffman code" and decodes the rest; phones and cards do make such files. Deterministic.
 */
async function jpegWithBadHuffmanCode(): Promise<Buffer> {
  const width = 320;
  const height = 240;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      pixels[at] = (x * 7 + y * 3) & 0xff;
      pixels[at + 1] = (x * y) & 0xff;
      pixels[at + 2] = (x ^ y) & 0xff;
    }
  }
  const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90, progressive: true })
    .toBuffer();
  const startOfScan = jpeg.indexOf(Buffer.from([0xff, 0xda]));
  const entropyData = startOfScan + 2 + jpeg.readUInt16BE(startOfScan + 2);
  const corrupt = Buffer.from(jpeg);
  corrupt.set([0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0], entropyData + 100);
  return corrupt;
}

/** A customer's photo upload of that JPEG on a scheduled job, landed in the inbox as S3 would hold it. */
async function customerUploadOfCorruptJpeg(context: ReturnType<typeof photoCheckContext>['context']) {
  await context.jobs.record({
    jobId: JOB,
    brandId: 'qdn',
    version: 1,
    status: 'scheduled',
    crewIds: [],
    date: '2026-05-01',
  });
  const jpeg = await jpegWithBadHuffmanCode();
  const { photoId } = await requestUpload(
    context,
    JOB,
    { contentType: 'image/jpeg', size: jpeg.byteLength },
    { kind: 'customer' },
  );
  const key = `photos/${JOB}/${photoId}.jpg`;
  await context.storage.write(key, jpeg, 'image/jpeg');
  return { photoId, key };
}

/**
 * A valid greyscale PNG of `width`×`height` black pixels, 1 bit each: a few kB however large its canvas
 * (what a decompression bomb looks like), and cheap to decode when it is decoded.
 */
function blackPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const framed = Buffer.alloc(typed.length + 8);
    framed.writeUInt32BE(data.length, 0);
    typed.copy(framed, 4);
    framed.writeUInt32BE(crc32(typed), typed.length + 4);
    return framed;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([1, 0, 0, 0, 0], 8); // 1-bit greyscale, deflate, no filter, not interlaced
  // Each row: filter type 0, then ⌈width/8⌉ bytes of zeros.
  const rows = Buffer.alloc((1 + Math.ceil(width / 8)) * height);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('decoding a slightly corrupt JPEG', () => {
  it('given a JPEG with a bad Huffman code, then the check, the thumbnail and the customers’ copy all read it', async () => {
    const jpeg = await jpegWithBadHuffmanCode();
    // What sharp does by default (fail on any warning): the file as the review found it.
    await expect(sharp(jpeg).toBuffer()).rejects.toThrow(/bad Huffman code/);

    const inspected = await imageTools.inspect(jpeg);
    const thumbnail = await imageTools.thumbnail(jpeg, 100);
    const copy = await imageTools.withoutMetadata(jpeg, 'jpeg');

    expect(inspected).toEqual({ decodable: true, width: 320, height: 240 });
    expect(await sharp(thumbnail!).metadata()).toMatchObject({ format: 'jpeg', width: 100, height: 75 });
    expect(await sharp(copy!).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 240 });
  });

  it('given bytes that do not decode, then the thumbnail and the copy say so (undefined) instead of throwing', async () => {
    const truncated = (await jpegWithBadHuffmanCode()).subarray(0, 600);

    expect(await imageTools.inspect(truncated)).toEqual({ decodable: false });
    expect(await imageTools.thumbnail(truncated, 100)).toBeUndefined();
    expect(await imageTools.withoutMetadata(truncated, 'jpeg')).toBeUndefined();
  });

  it('given the photos consumer and that JPEG, then the photo is stored with its thumbnail and customers’ copy', async () => {
    const { context } = photoCheckContext({ images: imageTools });
    const { photoId, key } = await customerUploadOfCorruptJpeg(context);

    const stored = await checkUpload(context, { key });

    expect(stored).toMatchObject({ state: 'stored', width: 320, height: 240, customerCopy: true });
    expect([...context.storage.objects.keys()].sort()).toEqual([
      `customer/${JOB}/${photoId}.jpg`,
      `originals/${JOB}/${photoId}.jpg`,
      `thumbnails/${JOB}/${photoId}.jpg`,
    ]);
  });
});

describe('decompression bombs (the pixel cap)', () => {
  it('given a 10 kB PNG of 8000×8000 (64 MP, over the cap), then it is not decodable', async () => {
    const bomb = blackPng(8000, 8000);
    expect(bomb.byteLength).toBeLessThan(20_000);

    expect(await imageTools.inspect(bomb)).toEqual({ decodable: false });
    expect(await imageTools.thumbnail(bomb, 400)).toBeUndefined();
    expect(await imageTools.withoutMetadata(bomb, 'png')).toBeUndefined();
  });

  it('given the photos consumer, then it checks one upload an invocation (a slow one cannot time out others with it)', () => {
    expect(photos.batchSize).toBe(1);
  });

  it('given a 50-megapixel phone camera’s full frame (8192×6144), then it is decodable', async () => {
    expect(await imageTools.inspect(blackPng(8192, 6144))).toEqual({
      decodable: true,
      width: 8192,
      height: 6144,
    });
  });
});

describe('the photos consumer and an image only the check could read', () => {
  it.each([
    ['thumbnail', 'thumbnail'],
    ['customers’ copy', 'withoutMetadata'],
  ] as const)(
    'given its %s cannot be decoded, then the photo is rejected as unreadable, not retried',
    async (_, step) => {
      const { context } = photoCheckContext({
        images: { ...imageTools, inspect: async () => ({ decodable: true }), [step]: async () => undefined },
      });
      const { photoId, key } = await customerUploadOfCorruptJpeg(context);

      // Permanent: the consumer acknowledges it (a retry would decode the same bytes the same way).
      await expect(checkUpload(context, { key })).rejects.toBeInstanceOf(PermanentError);

      expect(await context.photos.get(JOB, photoId)).toMatchObject({
        state: 'rejected',
        rejectionCode: 'Unreadable',
      });
      expect(context.storage.objects.size).toBe(0);
      expect((await context.jobs.get(JOB))?.customerPhotos).toBe(0);
    },
  );
});
