/**
 * Since 11 April 2025 (FCC, TCPA consent rules) a customer may revoke consent to texts "by any reasonable
 * means", not only with a keyword: "please stop texting me", "remove me from your list", "no me manden
 * más mensajes". This recognises such replies with a tested list of phrases in English and Spanish (no
 * remote service: the decision must be explainable and repeatable). It errs towards precision on
 * everyday replies about the job — "stop by at 3", "can you stop at the gate", "don't text me before 8,
 * call instead" are not revocations — and every match is flagged to the team, who can undo a false one.
 * @see https://docs.fcc.gov/public/attachments/FCC-24-24A1.pdf
 */

/**
 * A reply as the phrase lists read it: lower case, accents and apostrophes dropped, anything else that is
 * not a letter or digit a space, padded with a space each side (so `\b` and ` word ` both work).
 */
export function normalised(body: string): string {
  return ` ${body
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/[^a-z0-9ñ]+/g, ' ')
    .trim()} `;
}

const CONTACT =
  '(?:text(?:ing|s)?|messag(?:e|es|ing)|sms|contact(?:ing)?|send(?:ing)? (?:me )?(?:texts|messages)|writ(?:e|ing))';

const ENGLISH: RegExp[] = [
  // "stop texting me", "please stop sending me texts", "stop messaging this number"
  new RegExp(`\\bstop ${CONTACT}\\b`),
  // "don't text me anymore", "do not contact this number", "dont message me"
  // (a time or a condition after it is a preference, not a revocation: "don't text me before 8")
  new RegExp(
    `\\b(?:dont|do not|never) (?:ever )?${CONTACT} (?:me|us|this number|this phone|my number|again|anymore|any more)\\b(?! (?:before|after|until|till|at|between|on|during|when|while|if|unless|yet|today|tonight))`,
  ),
  // "remove me", "take me off your list", "unsubscribe me", "opt me out", "delete my number"
  /\b(?:remove|delete) (?:me|my number|this number)\b/,
  /\btake (?:me|my number|this number) off\b/,
  /\bunsubscribe me\b/,
  /\bopt (?:me )?out\b/,
  // "no more texts", "I don't want (any more) texts", "I do not want to receive messages"
  /\bno more (?:texts|messages|sms)\b/,
  new RegExp(
    `\\b(?:dont|do not) want (?:any more |anymore |to (?:get|receive) (?:any )?(?:more )?)?(?:texts|messages|sms|${CONTACT})\\b`,
  ),
];

const SPANISH: RegExp[] = [
  // "no me manden más mensajes", "no me envíe textos", "no me escriban"
  /\bno me (?:mande|manden|mandes|envie|envien|envies|escriba|escriban|escribas|textee|texteen)\b/,
  // "dejen de mandarme mensajes", "deje de enviar textos"
  /\bdej(?:a|e|en) de (?:mandar|enviar|escribir|textear)/,
  // "no quiero (recibir) (más) mensajes"
  /\bno quiero (?:recibir )?(?:mas )?(?:mensajes|textos|sms)\b/,
  // "bórrenme de la lista", "quítenme de su lista", "darme de baja"
  /\b(?:borr|quit|sac)(?:a|e|en)me de\b/,
  /\b(?:darme|denme|dame|deme) de baja\b/,
];

/** Whether the reply, as a whole, asks us to stop texting this number. */
export function revokesConsent(body: string): boolean {
  const text = normalised(body);
  return [...ENGLISH, ...SPANISH].some((phrase) => phrase.test(text));
}
