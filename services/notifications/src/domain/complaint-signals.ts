import { normalised } from './consent-revocation.ts';

/**
 * Whether a customer's reply complains about the job: such a customer is never asked for a review (a
 * request after a complaint reads as not listening, and review sites treat selective asking badly
 * enough without it). A tested list of signals in English and Spanish, erring towards caution: a false
 * positive costs one review request, a false negative a customer's goodwill.
 */

const SIGNALS: RegExp[] = [
  // Anger and disappointment in so many words
  /\b(?:terrible|horrible|awful|worst|unacceptable|ridiculous|disappointed|disappointing|furious|upset|angry|rude|unprofessional)\b/,
  // What went wrong: damage, lateness, no-shows, mess left behind
  /\b(?:damaged?|broke|broken|scratched|dented|destroyed|ruined)\b/,
  /\b(?:never (?:showed|came|arrived)|no show|didnt show|did not show|stood (?:me|us) up)\b/,
  /\b(?:(?:hours?|way too|so|very) late|still waiting|waited (?:all day|for hours))\b/,
  /\b(?:left a mess|made a mess|overcharged?|charged (?:me )?twice|rip ?off|scam)\b/,
  // Asking for money back or escalating
  /\b(?:refund|money back|complain|complaint|lawyer|bbb|better business bureau|dispute)\b/,
  /\bnot (?:happy|satisfied|ok|okay) with\b/,
  // Spanish
  /\b(?:pesimo|terrible|horrible|groseros?|decepcionad[oa]s?|enojad[oa]s?|molest[oa]s?)\b/,
  /\b(?:danad[oa]s?|rot[oa]s?|rompieron|nunca llegaron|no llegaron|llegaron tarde|reembolso|queja)\b/,
];

export function soundsLikeComplaint(body: string): boolean {
  const text = normalised(body);
  return SIGNALS.some((signal) => signal.test(text));
}
