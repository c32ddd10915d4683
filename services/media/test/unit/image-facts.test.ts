import { describe, expect, it } from '@jest/globals';
import {
  checkUploadedPhoto,
  formatFromMagicBytes,
  locationFrom,
  takenAtFrom,
} from '../../src/domain/image-facts.ts';
import { MAX_PHOTO_BYTES } from '../../src/domain/photo.ts';
import { JPEG, PNG } from './fakes.ts';

const WEBP = new Uint8Array([0x52, 0x49, 0x46, 0x46, 1, 0, 0, 0, 0x57, 0x45, 0x42, 0x50]);
const HEIC = new Uint8Array([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63]);

describe('magic bytes', () => {
  it('given JPEG, PNG and WebP headers, then each is recognised; HEIC, HTML and empty are not', () => {
    expect(formatFromMagicBytes(JPEG)).toBe('jpeg');
    expect(formatFromMagicBytes(PNG)).toBe('png');
    expect(formatFromMagicBytes(WEBP)).toBe('webp');
    expect(formatFromMagicBytes(HEIC)).toBeUndefined();
    expect(formatFromMagicBytes(new TextEncoder().encode('<html><script>'))).toBeUndefined();
    expect(formatFromMagicBytes(new Uint8Array())).toBeUndefined();
  });
});

describe('the upload check', () => {
  it('given a JPEG declared as JPEG, then it is accepted', () => {
    expect(checkUploadedPhoto('image/jpeg', { bytes: 1000, head: JPEG, decodable: true })).toEqual({
      accepted: true,
    });
  });

  it('given a PNG declared as JPEG, then it is rejected saying what it really is', () => {
    expect(checkUploadedPhoto('image/jpeg', { bytes: 1000, head: PNG, decodable: true })).toEqual({
      accepted: false,
      code: 'WrongFileType',
      reason: 'declared image/jpeg but the file is a PNG image',
    });
  });

  it('given HTML declared as PNG, then it is rejected', () => {
    const html = new TextEncoder().encode('<html>');
    expect(checkUploadedPhoto('image/png', { bytes: 6, head: html, decodable: false })).toEqual({
      accepted: false,
      code: 'WrongFileType',
      reason: 'declared image/png but the file is not an image of an accepted type',
    });
  });

  it('given a real size of 0 or over 10 MB, then it is rejected whatever its bytes, as empty or too large', () => {
    expect(checkUploadedPhoto('image/jpeg', { bytes: 0, head: JPEG, decodable: true })).toMatchObject({
      accepted: false,
      code: 'Empty',
    });
    expect(
      checkUploadedPhoto('image/jpeg', { bytes: MAX_PHOTO_BYTES + 1, head: JPEG, decodable: true }),
    ).toMatchObject({ accepted: false, code: 'TooLarge' });
  });

  it('given the right magic bytes but a file that does not decode, then it is rejected', () => {
    expect(checkUploadedPhoto('image/jpeg', { bytes: 100, head: JPEG, decodable: false })).toEqual({
      accepted: false,
      code: 'Unreadable',
      reason: 'the image/jpeg file cannot be decoded',
    });
  });
});

describe('taken-at time', () => {
  it('given EXIF with an offset, then that offset is kept', () => {
    expect(
      takenAtFrom(
        { DateTimeOriginal: '2026:05:01 14:30:00', OffsetTimeOriginal: '-07:00' },
        'America/New_York',
      ),
    ).toBe('2026-05-01T14:30:00-07:00');
  });

  it('given EXIF without an offset, then the brand’s time zone decides it, daylight saving included', () => {
    expect(takenAtFrom({ DateTimeOriginal: '2026:07:04 09:15:00' }, 'America/Los_Angeles')).toBe(
      '2026-07-04T09:15:00-07:00',
    );
    expect(takenAtFrom({ DateTimeOriginal: '2026:12:24 18:00:05' }, 'America/Los_Angeles')).toBe(
      '2026-12-24T18:00:05-08:00',
    );
    expect(takenAtFrom({ DateTimeOriginal: '2026:01:10 08:00:00' }, 'UTC')).toBe('2026-01-10T08:00:00+00:00');
  });

  it('given no original time, then the digitized time is used; given nonsense, then there is none', () => {
    expect(takenAtFrom({ CreateDate: '2026:03:02 10:00:00', OffsetTimeDigitized: '+01:00' }, 'UTC')).toBe(
      '2026-03-02T10:00:00+01:00',
    );
    expect(takenAtFrom({ DateTimeOriginal: '2026:02:31 10:00:00' }, 'UTC')).toBeUndefined();
    expect(takenAtFrom({ DateTimeOriginal: '0000:00:00 00:00:00' }, 'UTC')).toBeUndefined();
    expect(takenAtFrom({ DateTimeOriginal: 12345 }, 'UTC')).toBeUndefined();
    expect(takenAtFrom({}, 'UTC')).toBeUndefined();
  });
});

describe('location', () => {
  it('given GPS coordinates, then they are kept to six decimals', () => {
    expect(locationFrom({ latitude: 32.830033333, longitude: -117.14 })).toEqual({
      lat: 32.830033,
      lng: -117.14,
    });
  });

  it('given no fix, 0,0 or out-of-range values, then there is no location', () => {
    expect(locationFrom({})).toBeUndefined();
    expect(locationFrom({ latitude: 0, longitude: 0 })).toBeUndefined();
    expect(locationFrom({ latitude: 91, longitude: 10 })).toBeUndefined();
    expect(locationFrom({ latitude: Number.NaN, longitude: 10 })).toBeUndefined();
    expect(locationFrom({ latitude: '32.8', longitude: '-117.1' })).toBeUndefined();
  });
});
