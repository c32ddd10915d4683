import { describe, expect, it } from '@jest/globals';
import { PhoneNumber } from '../../src/phone.ts';

describe('PhoneNumber', () => {
  it.each([
    ['(619) 555-0142', '+16195550142'],
    ['619.555.0142', '+16195550142'],
    ['+1 619 555 0142', '+16195550142'],
    ['  6195550142 ', '+16195550142'],
  ])('given %j as people type it, then %s', (typed, e164) => {
    expect(PhoneNumber.parse(typed)).toBe(e164);
  });

  it.each([
    ['full-width digits', '６１９５５５０１４２'],
    ['Arabic-Indic digits', '٦١٩٥٥٥٠١٤٢'],
    ['an emoji among the digits', '619555😀0142'],
    ['an RFC 3966 extension', '+16195550142;ext=12'],
    ['an x extension', '6195550142 x12'],
    ['letters', '1-800-FLOWERS'],
    ['a premium-rate number', '+1 900 555 0142'],
    ['a number outside the brands’ countries', '+44 20 7946 0958'],
    ['no number at all', '12'],
  ])('given %s, then a field error instead of a rewritten number', (_case, typed) => {
    const result = PhoneNumber.safeParse(typed);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/phone number|extension|premium|number in/);
  });
});
