import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Crew magic links (`/crew/{token}`). The token is HMAC-SHA256(secret, linkId): 256 bits, unguessable
 * without the secret, unrelated to job and crew ids. The table keeps the linkId (so a reschedule can
 * text the same link again) and the token's SHA-256 (to look a token up) — neither is a live link
 * without the secret, which lives only in SSM. A token works only while it is the link's token under
 * the current secret: rotating the secret ends every link sent before, and the next text of a link
 * carries (and stores the lookup of) its token under the new secret.
 */

/** A new link's id: 128 random bits. */
export function newLinkId(): string {
  return randomBytes(16).toString('base64url');
}

/** The link's token, derived again whenever the link is sent. */
export function crewLinkToken(secret: string, linkId: string): string {
  return createHmac('sha256', secret).update(`crew-link:v1:${linkId}`).digest('base64url');
}

/** Whether `token` is the link's token under `secret`, compared in constant time. */
export function isCrewLinkToken(secret: string, linkId: string, token: string): boolean {
  const expected = Buffer.from(crewLinkToken(secret, linkId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What a token is looked up by. */
export function crewTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A token as links carry it: 43 base64url characters (256 bits); anything else is unknown. */
export function looksLikeCrewToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** A well-formed token that matches no link, so a malformed one still costs a lookup. */
export const UNKNOWN_TOKEN = 'x'.repeat(43);

export function crewLinkUrl(siteBaseUrl: string, token: string): string {
  return `${siteBaseUrl.replace(/\/$/, '')}/crew/${token}`;
}
