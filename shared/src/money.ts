// One formatter for every amount a person reads — texts, the booking's confirmation, the console —
// written as a US business writes it ("$1,925.00"). Its own module so the console's bundle takes it
// without the brand catalog's schemas. Built once: Intl.NumberFormat is costly to construct.
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** An amount in cents as a person reads it: `$1,925.00`. */
export function formatUsd(cents: number): string {
  return usd.format(cents / 100);
}
