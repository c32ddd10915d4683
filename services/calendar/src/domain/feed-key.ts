import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits, URL-safe (43 characters), unrelated to the calendar: what goes in `?key=`. */
export function newFeedKey(): string {
  return randomBytes(32).toString('base64url');
}

/** Keys are stored by hash only, so a leaked table opens no feed. */
export function feedKeyHash(feedKey: string): string {
  return createHash('sha256').update(feedKey).digest('base64url');
}

/** A key as we issue them; anything else cannot be one. */
export function looksLikeFeedKey(value: string | undefined): value is string {
  return value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value);
}

// Compared against when there is no key or no calendar, so every miss costs the same work.
const NO_KEY_HASH = feedKeyHash('no key was issued for this calendar');

/**
 * Whether `feedKey` is the calendar's live key, in constant time. A malformed key, an unknown
 * calendar and a revoked key are all simply false: the caller answers them with the same 404.
 */
export function feedKeyMatches(feedKey: string | undefined, storedHash: string | undefined): boolean {
  const given = Buffer.from(feedKeyHash(looksLikeFeedKey(feedKey) ? feedKey : ''));
  const expected = Buffer.from(storedHash ?? NO_KEY_HASH);
  return (
    given.length === expected.length &&
    timingSafeEqual(given, expected) &&
    storedHash !== undefined &&
    looksLikeFeedKey(feedKey)
  );
}
