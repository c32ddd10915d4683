import * as z from 'zod';
import { NotFoundError } from './errors.ts';
import { E164 } from './events.ts';
import { formatUsd } from './money.ts';
import { DEFAULT_SLA, type SlaThresholds as SlaShape } from './sla.ts';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');

/**
 * A charter as the brand sells it: the boat, where guests board, how many it may carry, what a customer
 * may choose on the booking form (departure times, durations, occasions) and its price. A service type
 * with a `charter` block books with the charter form (date, departure, duration, guests, occasion)
 * instead of the address form.
 */
export const CharterOffer = z
  .object({
    vessel: z.string().min(1).max(80),
    meetingPoint: z.string().min(1).max(200),
    /** Guests aboard at most (the boat's certificate): the form and the API refuse more. */
    capacity: z.number().int().min(1).max(500),
    /** The departure times a customer may pick, in the brand's time zone. */
    departureTimes: z.array(hhmm).min(1).max(24),
    /** The charter lengths offered online, in minutes (a dispatcher may arrange others). */
    durationsMinutes: z
      .array(
        z
          .number()
          .int()
          .min(30)
          .max(24 * 60),
      )
      .min(1)
      .max(12),
    /** What a customer may say the charter is for; none listed: the form does not ask. */
    occasions: z.array(z.string().min(1).max(60)).max(12).default([]),
    /** The price per hour of the charter; the service type's `priceCents` is the least a charter costs. */
    hourlyCents: z.number().int().nonnegative(),
    /** Guests the hourly price covers; each guest beyond costs `extraGuestCents` (none: every guest is covered). */
    includedGuests: z.number().int().min(1).optional(),
    extraGuestCents: z.number().int().nonnegative().default(0),
  })
  .refine((offer) => offer.includedGuests === undefined || offer.includedGuests <= offer.capacity, {
    message: 'includedGuests must not exceed capacity',
    path: ['includedGuests'],
  });
export type CharterOffer = z.infer<typeof CharterOffer>;

export const ServiceTypeConfig = z
  .object({
    serviceType: z.string().regex(/^[a-z][a-z0-9_]*$/),
    label: z.string().min(1),
    priceCents: z.number().int().nonnegative(),
    /** Multi-day rentals (trailer drops) have an end date; the price is per day beyond the first. */
    extraDayCents: z.number().int().nonnegative().optional(),
    /** The job takes one of the brand's trailers for its days: bookable only while one is free. */
    usesTrailer: z.boolean().default(false),
    /** A charter: booked with the charter form and priced by the hour (CharterOffer). */
    charter: CharterOffer.optional(),
  })
  .refine((offer) => !(offer.charter && (offer.usesTrailer || offer.extraDayCents !== undefined)), {
    message: 'a charter takes no trailer and no extra days',
    path: ['charter'],
  });
export type ServiceTypeConfig = z.infer<typeof ServiceTypeConfig>;

const isoDay = z.iso.date();

/**
 * A trailer of the brand's fleet (QuickDumpNow has four): jobs may only book these, one job a day each,
 * and never on a day it is out of service (repairs, inspection), both ends included.
 */
export const TrailerConfig = z.object({
  trailerId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/),
  name: z.string().min(1),
  /** What customers choose by, e.g. "12 yd"; the public availability is per size. */
  size: z.string().min(1),
  dailyRateCents: z.number().int().nonnegative().optional(),
  outOfService: z.array(z.object({ from: isoDay, to: isoDay })).default([]),
});
export type TrailerConfig = z.infer<typeof TrailerConfig>;

/** How a customer may pay a brand: a card deposit through Stripe Checkout at booking, Zelle or cash. */
export const PaymentMethod = z.enum(['card', 'zelle', 'cash']);
export type PaymentMethod = z.infer<typeof PaymentMethod>;

/**
 * What a brand accepts at booking. `card` is a deposit (a share of the quote) through Stripe Checkout;
 * Zelle and cash are paid later, with the instructions on the confirmation page and in the text that
 * confirms the booking (never before: an unconfirmed web booking is not texted).
 */
export const PaymentSettings = z
  .object({
    methods: z.array(PaymentMethod).min(1),
    /** The card deposit as a share of the quote (100: the whole quote up front). */
    depositPercent: z.number().int().min(1).max(100).default(25),
    /** Who Zelle payments go to (an email or phone as registered with Zelle). */
    zelleRecipient: z.string().min(3).max(40).optional(),
  })
  .refine((settings) => new Set(settings.methods).size === settings.methods.length, {
    message: 'methods must not repeat',
    path: ['methods'],
  })
  .refine((settings) => !settings.methods.includes('zelle') || settings.zelleRecipient !== undefined, {
    message: 'a brand taking Zelle needs its zelleRecipient',
    path: ['zelleRecipient'],
  });
export type PaymentSettings = z.infer<typeof PaymentSettings>;

/**
 * When the console colours a brand's jobs late (sla.ts). Each brand keeps its own promises — a
 * charter's crew is due aboard long before a dump trailer's driver — so they are config.
 */
export const SlaThresholds = z.object({
  enRouteLateAfterEtaMinutes: z.number().int().min(1).max(240),
  unassignedBeforeStartMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  staleLocationMinutes: z.number().int().min(1).max(240),
}) satisfies z.ZodType<SlaShape>;
export type SlaThresholds = z.infer<typeof SlaThresholds>;

/**
 * A brand is configuration, not code (ARCHITECTURE.md §1): adding one is a config entry.
 * Twilio sender: a Messaging Service SID or a From number.
 */
export const Brand = z.object({
  brandId: z.string().regex(/^[a-z][a-z0-9-]*$/),
  displayName: z.string().min(1),
  siteBaseUrl: z.url(),
  timeZone: z.string().min(1),
  twilio: z.union([
    z.object({ messagingServiceSid: z.string().regex(/^MG[0-9a-f]{32}$/) }),
    z.object({ fromNumber: E164 }),
  ]),
  smsSignOff: z.string().min(1),
  /** The number customers call or text (public: shown on the brand's pages, not-found pages included). */
  contactPhone: E164.optional(),
  backupTeamNumbers: z.array(E164).min(1),
  windows: z.record(z.string(), z.object({ start: hhmm, end: hhmm })),
  serviceTypes: z.array(ServiceTypeConfig).min(1),
  crewChecklists: z.record(z.string(), z.array(z.string().min(1))).default({}),
  /** The brand's trailers; a brand without any (charters) books none. */
  fleet: z.array(TrailerConfig).default([]),
  sla: SlaThresholds.default({ ...DEFAULT_SLA }),
  /**
   * Days a web booking may wait for a dispatcher before it expires (a scheduled job in the jobs
   * service cancels it, shown to staff as expired; the customer is never texted about it).
   */
  bookingRequestExpiryDays: z.number().int().min(1).max(90).default(7),
  /**
   * Customer texts not tied to a job happening now (reminders, review requests, a dispatcher's
   * non-urgent text) go out only between these times in the customer's time zone, else wait for the
   * window's start; on-the-way and arrival texts go at once (the customer is waiting for the truck).
   */
  quietHours: z
    .object({ sendFrom: hhmm, sendUntil: hhmm })
    .refine((window) => window.sendFrom < window.sendUntil, 'sendFrom must be before sendUntil')
    .default({ sendFrom: '08:00', sendUntil: '21:00' }),
  /**
   * Seconds a job's change to complete or cancelled can be undone — a driver's mis-tap — before its
   * customer text goes out: an undo inside the window texts nobody (0: texted at once, no undo window).
   */
  undoWindowSeconds: z.number().int().min(0).max(600).default(60),
  /** The day-before reminder of a scheduled job: when (brand time) and what to have ready. */
  reminder: z
    .object({ sendAt: hhmm, haveReady: z.array(z.string().min(1).max(60)).max(5).default([]) })
    .default({ sendAt: '17:00', haveReady: [] }),
  /**
   * The review request after a completed job (none without a link): how long after completion, and
   * never to the same customer twice within 90 days.
   */
  reviewRequest: z
    .object({
      url: z.url({ protocol: /^https$/ }),
      delayMinutes: z
        .number()
        .int()
        .min(0)
        .max(7 * 24 * 60),
    })
    .optional(),
  /** What the booking form offers (a brand without this takes cash on the day). */
  payments: PaymentSettings.default({ methods: ['cash'], depositPercent: 25 }),
  theme: z.object({
    primaryColor: z.string().regex(/^#[0-9a-fA-F]{6}$/),
    accentColor: z.string().regex(/^#[0-9a-fA-F]{6}$/),
    logoUrl: z.string().min(1).optional(),
  }),
});
export type Brand = z.infer<typeof Brand>;

export const BrandCatalog = z
  .object({ defaultBrandId: z.string().min(1), brands: z.array(Brand).min(1) })
  .refine((catalog) => catalog.brands.some((brand) => brand.brandId === catalog.defaultBrandId), {
    message: 'defaultBrandId must name one of the brands',
    path: ['defaultBrandId'],
  })
  .refine((catalog) => new Set(catalog.brands.map((brand) => brand.brandId)).size === catalog.brands.length, {
    message: 'brandIds must be unique',
    path: ['brands'],
  });
export type BrandCatalog = z.infer<typeof BrandCatalog>;

/**
 * The words next to the booking form's consent checkbox, exactly as the page shows them (the page gets
 * them from the brand profile) and as the consent record keeps them: names the brand, what is texted,
 * rates, STOP and HELP (CTIA's opt-in disclosure).
 */
export function smsConsentWording(brand: Pick<Brand, 'displayName'>): string {
  return `Text me about this booking from ${brand.displayName}: confirmation, schedule, arrival updates, a reminder the day before and a request for a review afterwards. Message and data rates may apply. Reply STOP to opt out, HELP for help.`;
}

/** The card deposit for a quote: the brand's share of it, in whole cents (at least 50: Stripe's minimum). */
export function cardDepositCents(
  settings: Pick<PaymentSettings, 'depositPercent'>,
  totalCents: number,
): number {
  return Math.max(50, Math.round((totalCents * settings.depositPercent) / 100));
}

/**
 * How to pay by Zelle or cash, in one line: shown on the booking's confirmation and added to the text
 * that confirms it (so it is short). Card has none: it is paid at booking.
 */
export function paymentInstructions(
  brand: Pick<Brand, 'displayName' | 'payments'>,
  method: PaymentMethod,
  amountCents: number | undefined,
): string | undefined {
  const amount = amountCents === undefined ? '' : ` ${formatUsd(amountCents)}`;
  if (method === 'zelle' && brand.payments.zelleRecipient)
    return `Pay${amount} by Zelle to ${brand.payments.zelleRecipient}.`;
  if (method === 'cash') return `Pay${amount} in cash to the crew on the day.`;
  return undefined;
}

/** Lookups over a validated catalog. */
export interface Brands {
  readonly defaultBrandId: string;
  all(): readonly Brand[];
  /** The brand, or the default brand when no id is given; unknown ids are 404. */
  get(brandId?: string): Brand;
}

/**
 * In an AWS stage every brand texts through its Twilio Messaging Service (its A2P 10DLC campaign is
 * registered per brand), never a plain From number: carriers filter unregistered traffic (error 30034).
 * Throws naming each brand that doesn't; the local stage (the Twilio fake) may use From numbers.
 */
export function requireMessagingServices(brands: Brands, stage: string): Brands {
  if (stage === 'local') return brands;
  const plain = brands.all().filter((brand) => !('messagingServiceSid' in brand.twilio));
  if (plain.length > 0) {
    throw new Error(
      `Brands ${plain.map((brand) => brand.brandId).join(', ')} send from a plain number: in stage ${stage} every brand sends through its Twilio Messaging Service (twilio.messagingServiceSid, with its A2P 10DLC campaign)`,
    );
  }
  return brands;
}

export function brandsFrom(input: unknown): Brands {
  const catalog = BrandCatalog.parse(input);
  const byId = new Map(catalog.brands.map((brand) => [brand.brandId, brand]));
  return {
    defaultBrandId: catalog.defaultBrandId,
    all: () => catalog.brands,
    get(brandId = catalog.defaultBrandId) {
      const brand = byId.get(brandId);
      if (!brand) throw new NotFoundError(`Unknown brand ${brandId}`);
      return brand;
    },
  };
}
