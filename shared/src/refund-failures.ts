// Why a card refused a refund, in words for the people who pay it back (the console's drawer, the brand
// team's text). Stripe's `failure_reason` values: https://docs.stripe.com/api/refunds/object
const IN_WORDS: Readonly<Record<string, string>> = {
  lost_or_stolen_card: 'the card was reported lost or stolen',
  expired_or_canceled_card: 'the card has expired or was closed',
  // Ours: a refund Stripe canceled never went out, which leaves the customer as unpaid as a failure.
  canceled: 'the refund was canceled at Stripe',
};

/** e.g. `the card has expired or was closed`; a reason Stripe adds later reads as the card refusing. */
export function refundFailureInWords(reason: string | undefined): string {
  return (
    (reason !== undefined && Object.hasOwn(IN_WORDS, reason) ? IN_WORDS[reason] : undefined) ??
    'the card could not take it'
  );
}
