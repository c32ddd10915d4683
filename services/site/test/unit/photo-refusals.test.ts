import { describe, expect, it } from '@jest/globals';
import { REFUSAL_CODES } from '@qdn/shared/booking-photos';

// The booking page's words for a refused photo (public/js/photo-refusals.js, a browser module without
// types), for every code the media service records. Imported by URL, as the browser does.
const { refusalText } = await import(new URL('../../public/js/photo-refusals.js', import.meta.url).href);

describe('a refused photo, in the customer’s words', () => {
  it('given a file that is not the photo it was declared as, then it says so without the file type jargon', () => {
    expect(refusalText('WrongFileType')).toBe(
      'Not used. This file isn’t a photo we can use — try taking the photo again or choose a JPEG.',
    );
  });

  it('given a photo over the limit, then it says the limit in MB', () => {
    expect(refusalText('TooLarge')).toBe(
      'Not used. Too large (max 10 MB). Try a smaller photo, or send it to us by text.',
    );
  });

  it('given each code the media service records, then each has its own words, none of them technical', () => {
    const texts = REFUSAL_CODES.map((code) => refusalText(code));
    expect(new Set(texts).size).toBe(REFUSAL_CODES.length);
    for (const text of texts) expect(text).not.toMatch(/image\/|declared|decode|bytes/);
  });

  it('given a code the page does not know (a newer service), then the general words', () => {
    expect(refusalText('SomethingNew')).toBe(refusalText('Unknown'));
    expect(refusalText('toString')).toBe(refusalText('Unknown'));
  });
});
