import {
  type ImageFormat,
  MAX_PHOTO_BYTES,
  MIN_PHOTO_BYTES,
  PHOTO_TYPES,
  type PhotoContentType,
  type PhotoLocation,
  type PhotoRefusal,
} from './photo.ts';

/**
 * The format a file's first bytes say it is, whatever it was declared as.
 * @see https://www.w3.org/TR/png/#5PNG-file-signature
 * @see https://developers.google.com/speed/webp/docs/riff_container
 */
export function formatFromMagicBytes(head: Uint8Array): ImageFormat | undefined {
  const startsWith = (bytes: number[], at = 0) => bytes.every((byte, index) => head[at + index] === byte);
  if (startsWith([0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  // RIFF....WEBP
  if (startsWith([0x52, 0x49, 0x46, 0x46]) && startsWith([0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  return undefined;
}

export type PhotoVerdict = { accepted: true } | ({ accepted: false } & PhotoRefusal);

/**
 * Whether an uploaded object is the photo that was declared: its real size within the limits and its
 * magic bytes those of the declared type. `decodable` is whether the image library could read it at all
 * (a file with the right first bytes can still be garbage).
 */
export function checkUploadedPhoto(
  declared: PhotoContentType,
  object: { bytes: number; head: Uint8Array; decodable: boolean },
): PhotoVerdict {
  if (object.bytes < MIN_PHOTO_BYTES || object.bytes > MAX_PHOTO_BYTES) {
    return {
      accepted: false,
      code: object.bytes < MIN_PHOTO_BYTES ? 'Empty' : 'TooLarge',
      reason: `size ${object.bytes} bytes is outside 1 B – 10 MB`,
    };
  }
  const actual = formatFromMagicBytes(object.head);
  if (actual !== PHOTO_TYPES[declared].format) {
    return {
      accepted: false,
      code: 'WrongFileType',
      reason: `declared ${declared} but the file is ${actual ? `a ${actual.toUpperCase()} image` : 'not an image of an accepted type'}`,
    };
  }
  if (!object.decodable) return { accepted: false, ...unreadable(declared) };
  return { accepted: true };
}

/** The refusal of a file the image library cannot decode (at the check, or making its thumbnail or copy). */
export function unreadable(declared: PhotoContentType): PhotoRefusal {
  return { code: 'Unreadable', reason: `the ${declared} file cannot be decoded` };
}

/** The EXIF tags the consumer reads (raw strings: EXIF times carry no zone unless an offset tag is set). */
export interface PhotoExif {
  DateTimeOriginal?: unknown;
  OffsetTimeOriginal?: unknown;
  CreateDate?: unknown;
  OffsetTimeDigitized?: unknown;
  latitude?: unknown;
  longitude?: unknown;
}

const EXIF_DATE_TIME = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/;
const OFFSET = /^([+-])(\d{2}):(\d{2})$/;

/**
 * When the photo was taken, as ISO 8601 with the offset it was taken at (`2026-05-01T14:30:00-07:00`).
 * EXIF keeps the camera's wall-clock time; phones add the offset (OffsetTimeOriginal). Without one the
 * brand's time zone is assumed: photos are taken at the job.
 */
export function takenAtFrom(exif: PhotoExif, timeZone: string): string | undefined {
  const candidates: [unknown, unknown][] = [
    [exif.DateTimeOriginal, exif.OffsetTimeOriginal],
    [exif.CreateDate, exif.OffsetTimeDigitized],
  ];
  for (const [dateTime, offset] of candidates) {
    const match = typeof dateTime === 'string' ? EXIF_DATE_TIME.exec(dateTime) : null;
    if (!match) continue;
    const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const wallClock = Date.UTC(year, month - 1, day, hour, minute, second);
    // Date.UTC rolls 2026:02:31 over into March; a date that doesn't round-trip is not a real one.
    const check = new Date(wallClock);
    if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59) continue;
    const offsetMinutes =
      typeof offset === 'string' && OFFSET.test(offset)
        ? offsetFromText(offset)
        : zoneOffsetAtWallClock(timeZone, wallClock);
    return `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}${offsetText(offsetMinutes)}`;
  }
  return undefined;
}

function offsetFromText(offset: string): number {
  const [, sign, hours, minutes] = OFFSET.exec(offset)!;
  return (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const absolute = Math.abs(minutes);
  return `${sign}${String(Math.floor(absolute / 60)).padStart(2, '0')}:${String(absolute % 60).padStart(2, '0')}`;
}

/** The zone's UTC offset (minutes) at an instant, from Intl's `longOffset` name (`GMT-07:00`, `GMT`). */
function zoneOffsetAt(timeZone: string, instant: number): number {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(instant)
      .find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const offset = name.replace('GMT', '');
  return offset === '' ? 0 : offsetFromText(offset);
}

/** The offset in force when the zone's clocks showed `wallClock` (read as UTC); DST-safe to the hour. */
function zoneOffsetAtWallClock(timeZone: string, wallClock: number): number {
  const first = zoneOffsetAt(timeZone, wallClock);
  return zoneOffsetAt(timeZone, wallClock - first * 60_000);
}

/** Where the photo was taken, when its GPS tags hold a real position (0,0 is a phone without a fix). */
export function locationFrom(exif: PhotoExif): PhotoLocation | undefined {
  const { latitude: lat, longitude: lng } = exif;
  if (typeof lat !== 'number' || typeof lng !== 'number') return undefined;
  if (!Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) {
    return undefined;
  }
  if (lat === 0 && lng === 0) return undefined;
  return { lat: Math.round(lat * 1e6) / 1e6, lng: Math.round(lng * 1e6) / 1e6 };
}
