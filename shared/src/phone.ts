import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import * as z from 'zod';

/** Where the brands text customers and crew: numbers elsewhere are refused, not silently rewritten. */
export const SERVICE_COUNTRIES: readonly string[] = ['US'];

/**
 * Only what a person types for a phone number: ASCII digits, spaces and + ( ) - . — libphonenumber
 * would otherwise quietly read full-width or Arabic-Indic digits, skip emoji and letters, and take
 * `;ext=` or `x12` as an extension, turning a mistyped or hostile value into someone's real number.
 */
const TYPED_PHONE = /^\+?[0-9 ().-]+$/;

/** Number types we never text: the customer (or whoever typed the number) would be charged, or we would. */
const REFUSED_TYPES = new Set(['PREMIUM_RATE', 'SHARED_COST']);

/**
 * A phone number as people type it ("(619) 555-0142", "619.555.0142", "+1 619 555 0142"), checked
 * against real numbering plans and normalised to E.164. US is assumed when no country code is given.
 * Refused with a field error: other characters, extensions, numbers outside SERVICE_COUNTRIES and
 * premium-rate or shared-cost numbers.
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
    const refuse = (message: string) => {
      context.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (!TYPED_PHONE.test(value)) {
      return refuse('must be a phone number in digits, e.g. +16195550142 (no letters, symbols or extension)');
    }
    const parsed = parsePhoneNumberFromString(value, 'US');
    if (!parsed?.isValid()) return refuse('must be a valid phone number, e.g. +16195550142');
    if (parsed.ext) return refuse('must not have an extension');
    if (!parsed.country || !SERVICE_COUNTRIES.includes(parsed.country)) {
      return refuse(`must be a number in ${SERVICE_COUNTRIES.join(', ')}`);
    }
    const type = parsed.getType();
    if (type && REFUSED_TYPES.has(type))
      return refuse('premium-rate and shared-cost numbers are not accepted');
    return parsed.number;
  });
