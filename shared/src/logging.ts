import { Logger } from '@aws-lambda-powertools/logger';

// Keys whose values are secrets wherever they appear in a log line.
const SECRET_KEY = /(secret|password|token|authorization|signature|api[-_]?key|credential|cookie)/i;
// E.164 numbers, and US numbers written with separators, anywhere in a string. Bare digit runs
// (account ids, timestamps) are left alone: they are not how phone numbers reach our logs.
const PHONE_NUMBER = /\+\d{8,15}\b|\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b/g;

/**
 * Masks a phone number to its last four digits, so logs stay useful for support ("…4567")
 * without holding customers' numbers.
 *
 * @example maskPhoneNumbers('texted +16195551234') // 'texted ***1234'
 */
export function maskPhoneNumbers(text: string): string {
  return text.replace(PHONE_NUMBER, function maskOne(match) {
    const digits = match.replace(/\D/g, '');
    return digits.length >= 10 && digits.length <= 15 ? `***${digits.slice(-4)}` : match;
  });
}

/** JSON replacer applied to every log line: secrets by key, phone numbers anywhere in strings. */
export function maskSensitive(key: string, value: unknown): unknown {
  if (key && SECRET_KEY.test(key) && value !== undefined && value !== null && typeof value !== 'object') {
    return '***';
  }
  return typeof value === 'string' ? maskPhoneNumbers(value) : value;
}

/** The one logger every handler in a function uses (Powertools reads service name and level from the env). */
export const logger = new Logger({ jsonReplacerFn: maskSensitive });
