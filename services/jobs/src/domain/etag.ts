import { createHash } from 'node:crypto';

/**
 * A weak ETag of a response body: the same JSON gives the same tag, so a poller that sends it back in
 * `If-None-Match` gets a 304 with no body while nothing changed (the console's board polls every 1.5 s).
 */
export function etagOf(body: unknown): string {
  return `W/"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 32)}"`;
}

/** Whether an `If-None-Match` header names this tag (a list, `*`, or weak/strong forms alike). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}
