import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';

/**
 * A phone number as people type it ("(619) 555-0142", "619.555.0142", "+1 619 555 0142"), checked
 * against real numbering plans and normalised to E.164. US is assumed when no country code is given.
 *
 * @example PhoneNumber.parse('(619) 555-0142') // '+16195550142'
 * @see https://gitlab.com/catamphetamine/libphonenumber-js
 */
export const PhoneNumber = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .transform((value, context) => {
    const parsed = parsePhoneNumberFromString(value, 'US');
    if (!parsed?.isValid()) {
      context.addIssue({ code: 'custom', message: 'must be a valid phone number, e.g. +16195550142' });
      return z.NEVER;
    }
    return parsed.number;
  });
