import { createHash, randomBytes } from 'node:crypto';

/** 192 random bits, URL-safe, unrelated to the job id: what goes in `/track/{token}`. */
export function newTrackingToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Tokens are stored by hash only, so a leaked table reveals no live link. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A token as the site sends it: 32 base64url characters, anything else is unknown. */
export function looksLikeToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{32}$/.test(value);
}
