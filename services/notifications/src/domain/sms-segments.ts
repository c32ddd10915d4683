import { SegmentedMessage } from 'sms-segments-calculator';

export interface SegmentCount {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
}

/**
 * How many SMS segments a body costs, as carriers count them: GSM-7 (160 characters in one segment,
 * 153 per segment when split; `€ [ ] { } ~ ^ | \` take two) unless any character needs UCS-2 (70, then
 * 67 per segment). Uses Twilio's own segment calculator.
 *
 * @see https://www.twilio.com/docs/glossary/what-sms-character-limit
 */
export function countSegments(body: string): SegmentCount {
  const message = new SegmentedMessage(body, 'auto');
  return { encoding: message.encodingName, segments: message.segmentsCount };
}
