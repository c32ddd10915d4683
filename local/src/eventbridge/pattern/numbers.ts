/**
 * Numbers as EventBridge compares them: by value, never by spelling, and never through a binary float (which
 * would make 12345678901234567890 equal 12345678901234567891).
 */

/** A decimal value reduced to a canonical form. */
export interface DecimalValue {
  /** Equal for equal values whatever the spelling: `300`, `300.0` and `3e2` share one key. */
  readonly key: string;
  /**
   * The value times 10^6 as an exact integer, or NaN outside event-ruler's ComparableNumber domain
   * (|value| <= 5e9 with at most six decimals); only values in that domain take part in numeric comparisons.
   */
  readonly scaled: number;
}

/** Bounds of the numeric domain, scaled by 10^6 like {@link DecimalValue.scaled}. */
export const SCALED_MIN = -5e15;
export const SCALED_MAX = 5e15;

const DECIMAL_PATTERN = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Canonicalises a decimal literal (JSON number or JavaScript number text); undefined if it is not one. */
export function parseDecimal(text: string): DecimalValue | undefined {
  const match = DECIMAL_PATTERN.exec(text);
  if (match === null) {
    return undefined;
  }
  const negative = match[1] === '-';
  const integerDigits = match[2] ?? '';
  const fractionDigits = match[3] ?? '';
  const exponentText = match[4];
  let digits = integerDigits + fractionDigits;
  let exponent = (exponentText === undefined ? 0 : Number(exponentText)) - fractionDigits.length;

  let start = 0;
  while (start < digits.length - 1 && digits.charCodeAt(start) === 0x30) {
    start++;
  }
  let end = digits.length;
  while (end > start + 1 && digits.charCodeAt(end - 1) === 0x30) {
    end--;
  }
  exponent += digits.length - end;
  digits = digits.slice(start, end);
  if (digits === '0') {
    return ZERO;
  }
  const sign = negative ? '-' : '';
  return { key: `${sign}${digits}e${exponent}`, scaled: scale(negative, digits, exponent) };
}

const ZERO: DecimalValue = { key: '0', scaled: 0 };

function scale(negative: boolean, digits: string, exponent: number): number {
  const shift = exponent + 6;
  // digits has no trailing zeros, so a negative shift means more than six decimals.
  if (shift < 0 || digits.length + shift > 16) {
    return Number.NaN;
  }
  // At most 16 digits and at most 5e15 in magnitude: below 2^53, so the conversion is exact.
  const magnitude = Number(digits + '0'.repeat(shift));
  if (magnitude > SCALED_MAX) {
    return Number.NaN;
  }
  return negative ? -magnitude : magnitude;
}
