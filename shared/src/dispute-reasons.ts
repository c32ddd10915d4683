// Why a customer's bank disputed a card payment, in words for the people who answer it (the console's
// drawer, the brand team's text). Stripe's dispute `reason` values:
// https://docs.stripe.com/api/disputes/object#dispute_object-reason
const IN_WORDS: Readonly<Record<string, string>> = {
  fraudulent: 'the cardholder says they did not make the payment',
  unrecognized: 'the cardholder does not recognise the payment',
  duplicate: 'the cardholder says they were charged twice',
  product_not_received: 'the customer says the service was not provided',
  product_unacceptable: 'the customer says the service was not as agreed',
  credit_not_processed: 'the customer says a refund was promised and not made',
  subscription_canceled: 'the customer says they had cancelled',
  customer_initiated: 'the customer asked their bank to take it back',
  general: 'no particular reason given',
};

/** e.g. `the customer says the service was not provided`; a reason Stripe adds later is given as it is. */
export function disputeReasonInWords(reason: string): string {
  return Object.hasOwn(IN_WORDS, reason) ? IN_WORDS[reason]! : reason.replaceAll('_', ' ');
}
