import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Customers' tracking links (`/track/{token}`). The token is derived from the link's id under a secret
 * that lives only in SSM (`tracking-link-secret`): HMAC-SHA256(secret, linkId), its first 192 bits.
 * Only the link id travels on the bus and sits in tables, so the notifications service rebuilds the URL
 * for a text from the link id it receives, and nothing on the bus, in its archive or in a table is a
 * live link. The jobs table keeps the link id and the token's SHA-256 (what a token is looked up by).
 * Rotating the secret ends every link at once: a token is accepted only if the current secret derives
 * it from the job's current link id.
 *
 * Pure (no SSM here): each service reads the secret in its adapters and passes it in.
 */

/** A new link's id: 128 random bits, unrelated to the job id. */
export function newTrackingLinkId(): string {
  return randomBytes(16).toString('base64url');
}

/** The link's token, derived again whenever the link is needed (32 base64url characters). */
export function trackingToken(secret: string, linkId: string): string {
  return createHmac('sha256', secret)
    .update(`tracking-link:v1:${linkId}`)
    .digest()
    .subarray(0, 24)
    .toString('base64url');
}

/** What a token is looked up by: its SHA-256 (a leaked table reveals no live link). */
export function trackingTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A token as links carry it: 32 base64url characters; anything else is unknown. */
export function looksLikeTrackingToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{32}$/.test(value);
}

/**
 * A token the first system issued, imported with its job (issue 19): URL-safe, 16 to 128 characters,
 * the same bound the site's pages use (ours, 32 characters, pass too).
 */
export function looksLikeImportedTrackingToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{16,128}$/.test(value);
}

/** True when `token` is the one the secret derives from `linkId` (constant time). */
export function isTrackingTokenFor(secret: string, linkId: string, token: string): boolean {
  const expected = Buffer.from(trackingToken(secret, linkId));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The customer's link on the brand's site. */
export function trackingUrl(siteBaseUrl: string, token: string): string {
  return `${siteBaseUrl.replace(/\/$/, '')}/track/${token}`;
}

/**
 * A charter's guest page (`/g/{token}`) on the brand's site: the same token as its tracking link (the
 * page is the tracking page in charter words, with check-in details), so one link serves both.
 */
export function guestPageUrl(siteBaseUrl: string, token: string): string {
  return `${siteBaseUrl.replace(/\/$/, '')}/g/${token}`;
}

// A token in a link to one of our pages: tracking (/track/…), a charter guest's page (/g/…) or a
// crew member's magic link (/crew/…). Only what looks like a token is hidden, not the page's address.
const LINK_TOKEN = /\/(track|g|crew)\/[A-Za-z0-9_-]{16,}/g;

/** What a token becomes where a text is recorded (events, timeline, send records). */
export const REDACTED_TOKEN = '[link]';

/**
 * A message as it may be recorded: every page token in it replaced, so an SMS body on the bus, in its
 * archive or in a timeline opens nothing. The customer's own text still carries the real link.
 *
 * @example redactLinkTokens('Track: https://qdn.example/track/AbC…') // 'Track: https://qdn.example/track/[link]'
 */
export function redactLinkTokens(text: string): string {
  return text.replace(LINK_TOKEN, (_match, page: string) => `/${page}/${REDACTED_TOKEN}`);
}

/**
 * The live form of a recorded message: each redacted token in `recorded` filled in, in order, from the
 * tokens of `live` (the same message rendered again from the link ids). Undefined when the two don't
 * line up (the message was reworded since), so a caller never sends a half-restored text.
 */
export function restoreLinkTokens(recorded: string, live: string): string | undefined {
  const tokens = [...live.matchAll(LINK_TOKEN)].map((match) => match[0]);
  const placeholders =
    recorded.match(new RegExp(`/(track|g|crew)/${escapeRegExp(REDACTED_TOKEN)}`, 'g')) ?? [];
  if (tokens.length !== placeholders.length) return undefined;
  let index = 0;
  const restored = recorded.replace(
    new RegExp(`/(track|g|crew)/${escapeRegExp(REDACTED_TOKEN)}`, 'g'),
    () => tokens[index++]!,
  );
  return redactLinkTokens(restored) === recorded ? restored : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
