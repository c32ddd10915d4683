import exifr from 'exifr';
import sharp from 'sharp';
import type { PhotoExif } from '../domain/image-facts.ts';
import type { ImageTools } from '../domain/ports.ts';

// Uploads are at most 10 MB, but a small file can still claim a huge canvas; libvips refuses images
// over this many pixels instead of allocating for them (a decompression bomb). A 50-megapixel phone
// camera's full frame (8192×6144) is the largest photo a phone takes; a 100 MP progressive JPEG of 1.2 MB
// took ~22 s of CPU and 1.3 GB per decode, past the consumer's timeout, and each photo is decoded three
// times (check, thumbnail, customers' copy).
const MAX_INPUT_PIXELS = 8192 * 6144;
/**
 * How every step decodes, the check and what it makes alike: over the cap refused, and a file libjpeg
 * (or libpng…) finds an error in refused, but not one it only warns about ("Corrupt JPEG data: bad
 * Huffman code" is common in real photos, which decode fine around it). sharp's default fails on warnings.
 */
const decode = (image: Uint8Array) => sharp(image, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' });
const EXIF_TAGS = [
  'DateTimeOriginal',
  'OffsetTimeOriginal',
  'CreateDate',
  'OffsetTimeDigitized',
  'GPSLatitude',
  'GPSLatitudeRef',
  'GPSLongitude',
  'GPSLongitudeRef',
] as const;

/** sharp (libvips) for decoding and thumbnails, exifr for EXIF. */
export const imageTools: ImageTools = {
  async inspect(image) {
    try {
      const metadata = await decode(image).metadata();
      // A header alone is not a picture: decode it fully (cheaply, to raw stats) to catch truncation.
      await decode(image).stats();
      return { decodable: true, width: metadata.autoOrient?.width, height: metadata.autoOrient?.height };
    } catch {
      return { decodable: false };
    }
  },

  async exif(image) {
    try {
      // Raw values: EXIF times are wall-clock strings, and the domain decides their offset. With `gps`,
      // exifr adds decimal `latitude` and `longitude` from the GPS tags.
      const tags = (await exifr.parse(Buffer.from(image), {
        gps: true,
        reviveValues: false,
        pick: [...EXIF_TAGS],
      })) as PhotoExif | undefined;
      return tags ?? {};
    } catch {
      // exifr reads JPEG, PNG, TIFF and HEIF; a WebP (or a photo without EXIF) simply has no facts.
      return {};
    }
  },

  async thumbnail(image, pixels) {
    // `rotate()` turns it upright from its EXIF orientation; sharp writes no metadata (no GPS) by default.
    try {
      return await decode(image)
        .rotate()
        .resize(pixels, pixels, { fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality: 80, mozjpeg: true })
        .toBuffer();
    } catch {
      return undefined;
    }
  },

  async withoutMetadata(image, format) {
    // sharp writes no EXIF, XMP or IPTC unless asked (`keepMetadata`/`withMetadata`); `rotate()` bakes the
    // EXIF orientation into the pixels, since the tag that said it is dropped with the rest.
    try {
      return await decode(image)
        .rotate()
        .toFormat(format, format === 'png' ? {} : { quality: 90 })
        .toBuffer();
    } catch {
      return undefined;
    }
  },
};
