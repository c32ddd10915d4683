import { describe, expect, it } from '@jest/globals';
import { etagOf, matchesEtag } from '../../src/domain/etag.ts';

describe('board ETags', () => {
  it('the same body has the same tag; any change gives another', () => {
    const day = { jobs: [{ jobId: 'a', status: 'scheduled', version: 2 }] };
    expect(etagOf(day)).toBe(etagOf(structuredClone(day)));
    expect(etagOf(day)).not.toBe(etagOf({ jobs: [{ jobId: 'a', status: 'en_route', version: 3 }] }));
    expect(etagOf(day)).toMatch(/^W\/"[A-Za-z0-9_-]{32}"$/);
  });

  it('If-None-Match matches the tag, weak or strong, in a list, or *', () => {
    const tag = etagOf({ jobs: [] });
    expect(matchesEtag(tag, tag)).toBe(true);
    expect(matchesEtag(tag.replace(/^W\//, ''), tag)).toBe(true);
    expect(matchesEtag(`W/"other", ${tag}`, tag)).toBe(true);
    expect(matchesEtag('*', tag)).toBe(true);
    expect(matchesEtag('W/"other"', tag)).toBe(false);
    expect(matchesEtag(undefined, tag)).toBe(false);
  });
});
