/**
 * Per-client limits lifted for the fuzz cloud: one address sends thousands of requests, and a 429 from
 * a limit would stop them reaching the code behind it (the limits have their own tests).
 */
export const FUZZ_ENVIRONMENT: Record<string, string> = {
  TRACK_LOOKUPS_PER_IP_PER_MINUTE: '1000000',
  BOOKINGS_PER_IP_PER_HOUR: '1000000',
  BOOKINGS_PER_PHONE_PER_DAY: '1000000',
  CREW_LOOKUPS_PER_IP_PER_MINUTE: '1000000',
  CHECKLIST_TICKS_PER_IP_PER_MINUTE: '1000000',
  CUSTOMER_UPLOADS_PER_IP_PER_HOUR: '1000000',
  CHECKOUTS_PER_IP_PER_HOUR: '1000000',
  DRAFT_LOOKUPS_PER_IP_PER_MINUTE: '1000000',
};
