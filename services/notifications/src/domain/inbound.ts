import type { Brand, Brands } from '@qdn/shared/brands';
import type { DomainEvent, JobStatus } from '@qdn/shared/events';
import type { RateLimits } from '@qdn/shared/rate-limit';
import { zonedDate } from '@qdn/shared/zoned-time';
import { revokesConsent } from './consent-revocation.ts';
import { deliverOnce, senderOf } from './delivery.ts';
import type { JobSnapshot, NotificationsContext } from './ports.ts';

/** An SMS someone sent to one of our numbers, as the inbound webhook queued it. */
export interface InboundSms {
  messageSid: string;
  from: string;
  to: string;
  body: string;
  mediaUrls: string[];
  messagingServiceSid?: string | undefined;
  /** A keyword Twilio's Advanced Opt-Out has already answered (see inbound-schema.ts). */
  optOutType?: 'STOP' | 'START' | 'HELP' | undefined;
  receivedAt: string;
}

export type Keyword = 'stop' | 'start' | 'help';

// Twilio's default opt-out, opt-in and help keywords on long codes; a message that is only the keyword
// counts, as Twilio counts it. https://help.twilio.com/articles/223134027
const KEYWORDS: Record<string, Keyword> = {
  STOP: 'stop',
  STOPALL: 'stop',
  UNSUBSCRIBE: 'stop',
  CANCEL: 'stop',
  END: 'stop',
  QUIT: 'stop',
  REVOKE: 'stop',
  OPTOUT: 'stop',
  START: 'start',
  YES: 'start',
  UNSTOP: 'start',
  HELP: 'help',
  INFO: 'help',
};

/** The keyword a message is, ignoring case and the spaces and punctuation around it. */
export function keywordOf(body: string): Keyword | undefined {
  const word = body
    .trim()
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')
    .toUpperCase();
  return KEYWORDS[word];
}

/**
 * How many texts one sender may have relayed to a brand's backup team per hour. Every relay is a text
 * to every team number: without a cap, any number could cost us money and flood the team's phones.
 */
export interface RelayLimit {
  limits: RateLimits;
  perSenderPerHour: number;
}

/** What handling an inbound SMS needs besides sending. */
export type InboundContext = NotificationsContext & { brands: Brands; relayLimit: RelayLimit };

/** How staff refer to a job in a text: `#` and the last 6 characters of its id. */
export function jobRef(jobId: string): string {
  return jobId.slice(-6).toUpperCase();
}

/** A team member's `#ABC123 message` → the job reference and the text for the customer. */
export function parseTeamReply(body: string): { ref: string; text: string } | undefined {
  const match = /^\s*#([0-9A-Za-z]{6})\b[\s:,-]*([\s\S]*)$/.exec(body);
  if (!match?.[2]?.trim()) return undefined;
  return { ref: match[1]!.toUpperCase(), text: match[2].trim() };
}

const STATUS_WORDS: Record<JobStatus, string> = {
  requested: 'requested',
  scheduled: 'scheduled',
  en_route: 'en route',
  arrived: 'on site',
  complete: 'complete',
  cancelled: 'cancelled',
};

/** The street part of an address: what a dispatcher recognises a job by. */
function streetOf(address: string): string {
  return address.split(',')[0]!.trim();
}

/** Completed jobs a reply may still be about (a question about the invoice, a forgotten item). */
const RECENTLY_COMPLETED_DAYS = 14;

/** Which job a customer's text is about: one job, several equally likely ones, or none. */
export interface ReplyJob {
  job: JobSnapshot | undefined;
  /** Set when two or more real jobs are equally likely: the team is told, no job is assumed. */
  ambiguous: JobSnapshot[];
}

/**
 * The job a customer's reply belongs to: their most relevant *real* job — one under way (en route, on
 * site), else the next confirmed one, else the most recently completed (within 14 days). A `requested`
 * booking never counts: anyone can book under anyone's number, and must not receive their replies.
 * Two jobs equally likely (both under way, or confirmed for the same day) make the reply ambiguous.
 */
export function replyJobOf(jobs: readonly JobSnapshot[], today: string): ReplyJob {
  const underWay = jobs.filter((job) => job.status === 'en_route' || job.status === 'arrived');
  if (underWay.length > 0) return pick(underWay);
  const confirmed = jobs
    .filter((job) => job.status === 'scheduled')
    .sort((a, b) => upcomingOrder(a.date, b.date, today));
  if (confirmed.length > 0) return pick(confirmed.filter((job) => job.date === confirmed[0]!.date));
  const since = new Date(Date.parse(`${today}T00:00:00Z`) - RECENTLY_COMPLETED_DAYS * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const completed = jobs
    .filter((job) => job.status === 'complete' && job.date >= since)
    .sort((a, b) => b.date.localeCompare(a.date));
  return completed.length > 0 ? { job: completed[0], ambiguous: [] } : { job: undefined, ambiguous: [] };
}

function pick(equallyLikely: JobSnapshot[]): ReplyJob {
  return equallyLikely.length === 1
    ? { job: equallyLikely[0], ambiguous: [] }
    : { job: undefined, ambiguous: equallyLikely };
}

/** Upcoming dates first (soonest first), then past ones (most recent first). */
function upcomingOrder(a: string, b: string, today: string): number {
  const aUpcoming = a >= today;
  const bUpcoming = b >= today;
  if (aUpcoming !== bUpcoming) return aUpcoming ? -1 : 1;
  return aUpcoming ? a.localeCompare(b) : b.localeCompare(a);
}

/** What the backup team reads: who wrote, about which job, and how to answer. */
export function relayText(
  brand: Brand,
  sms: InboundSms,
  job: JobSnapshot | undefined,
  ambiguous: readonly JobSnapshot[] = [],
): string {
  const who = job
    ? `${job.firstName} (job ${job.jobId}, ${STATUS_WORDS[job.status]}, ${streetOf(job.addressText)})`
    : ambiguous.length > 0
      ? `${ambiguous[0]!.firstName} ${sms.from} (not sure which job: ${ambiguous
          .map((candidate) => `#${jobRef(candidate.jobId)} ${streetOf(candidate.addressText)}`)
          .join(', ')} - answer with the right #ref)`
      : `unknown sender ${sms.from}`;
  const media =
    sms.mediaUrls.length > 0 ? ` [${sms.mediaUrls.length} attachment(s): ${sms.mediaUrls.join(' ')}]` : '';
  const howToAnswer = job ? ` - answer with #${jobRef(job.jobId)} and your text` : '';
  // Twilio takes up to 1,600 characters; a long customer text is cut, never dropped.
  const text = sms.body.length > 1000 ? `${sms.body.slice(0, 1000)}…` : sms.body;
  return `${brand.displayName} reply from ${who}: ${text}${media}${howToAnswer}`;
}

/** The one confirmation a customer gets after asking, in their own words, to stop the texts. */
export function revokedText(brand: Brand): string {
  return `${brand.displayName}: you won't get more texts from us. Reply START to get them again.`;
}

/** Said to the team with a relayed revocation: the number is opted out, and how to undo a misreading. */
export const REVOKED_FLAG =
  "[Opted out: this reply was read as asking us to stop texting. If that is wrong, undo it in the console: the job's messages, Not an opt-out.]";

export function helpText(brand: Brand): string {
  return `${brand.displayName}: reply to this number and our team will get back to you. Msg&data rates may apply. Reply STOP to opt out.`;
}

const TEAM_HOW_TO =
  'Not sent: start your text with # and the job reference (e.g. #A1B2C3) to send it to that customer.';

/** The brand an inbound SMS was addressed to: by Messaging Service or number, else the job's, else the default. */
function brandOf(brands: Brands, sms: InboundSms, job: JobSnapshot | undefined): Brand {
  const addressed = brands
    .all()
    .find((brand) =>
      'messagingServiceSid' in brand.twilio
        ? brand.twilio.messagingServiceSid === sms.messagingServiceSid
        : brand.twilio.fromNumber === sms.to,
    );
  return addressed ?? brands.get(job?.brandId);
}

/**
 * An inbound SMS: keywords opt out / in / ask for help; anything else is logged against the sender's
 * open job and relayed to the brand's backup team. The team's own numbers are never relayed back to
 * the team; a team text that starts with `#<job ref>` goes to that job's customer. Each step is keyed on
 * the MessageSid, so a webhook retried by Twilio or a redriven message changes nothing twice.
 */
export async function handleInbound(deps: InboundContext, sms: InboundSms): Promise<void> {
  if (await deps.store.isInboundDone(sms.messageSid)) return;
  const teamBrand = deps.brands.all().find((brand) => brand.backupTeamNumbers.includes(sms.from));
  const keyword = keywordOf(sms.body);
  if (teamBrand && !keyword) await handleTeamText(deps, teamBrand, sms);
  else await handleCustomerText(deps, sms, keyword);
  await deps.store.markInboundDone(sms.messageSid, deps.now());
}

async function handleCustomerText(
  deps: InboundContext,
  sms: InboundSms,
  keyword: Keyword | undefined,
): Promise<void> {
  const now = deps.now();
  const candidates = await deps.store.jobsForPhone(sms.from);
  const { job, ambiguous } = replyJobOf(
    candidates,
    zonedDate(now, deps.brands.get(candidates[0]?.brandId).timeZone),
  );
  const brand = brandOf(deps.brands, sms, job ?? ambiguous[0]);
  // "Please stop texting me" revokes consent as STOP does (FCC, 2025): suppressed at once, confirmed once,
  // and still relayed, flagged, so a person sees it and can resubscribe the number if it was misread.
  const revoked = !keyword && revokesConsent(sms.body);
  // Opted out by another message, the number had its confirmation then; opted out by this one (an
  // earlier attempt that failed after the suppression), it has not had it yet.
  const optedOut = revoked ? await deps.store.suppression(sms.from) : undefined;
  const alreadyOptedOut = optedOut !== undefined && optedOut.messageSid !== sms.messageSid;
  // In the customer's order, not ours: a message redriven hours later never undoes what they asked
  // for after it (a START of 10:00 handled at 14:00 leaves their opt-out of 11:00 in place).
  const askedAt = new Date(sms.receivedAt);
  if (keyword === 'stop') await deps.store.suppress(sms.from, 'keyword', askedAt, sms.messageSid);
  if (revoked) await deps.store.suppress(sms.from, 'reply', askedAt, sms.messageSid);
  if (keyword === 'start') await deps.store.unsuppress(sms.from, askedAt);
  // A revocation older than the customer's later opt-in changed nothing: they hear nothing of it.
  const optedOutNow = revoked ? await deps.store.suppression(sms.from) : undefined;
  await deps.publish([received(sms, brand, job, 'customer', keyword, revoked)]);

  // With Advanced Opt-Out on, Twilio has answered HELP already (OptOutType): one reply, not two.
  if (keyword === 'help' && sms.optOutType !== 'HELP') {
    await deliverOnce(deps, {
      key: `help:${sms.messageSid}`,
      brandId: brand.brandId,
      jobId: job?.jobId,
      to: sms.from,
      body: helpText(brand),
      template: 'help',
      audience: 'customer',
      sender: senderOf(brand),
      // Carriers require the help reply even to a number that opted out.
      answersOptOut: true,
    });
  }
  if (keyword) return;
  if (revoked && !alreadyOptedOut && optedOutNow?.messageSid === sms.messageSid) {
    // One confirmation, the only text an opted-out number gets (Twilio answers STOP itself; this it can't).
    await deliverOnce(deps, {
      key: `revoked:${sms.messageSid}`,
      brandId: brand.brandId,
      jobId: job?.jobId,
      to: sms.from,
      body: revokedText(brand),
      template: 'opt_out_confirmation',
      audience: 'customer',
      sender: senderOf(brand),
      answersOptOut: true,
    });
  }

  const team = brand.backupTeamNumbers.filter((number) => number !== sms.from);
  const relayKey = (number: string) => `relay:${sms.messageSid}:${number}`;
  // Over the sender's hourly allowance: not relayed, and recorded as such (the webhook already said 200
  // to Twilio — a 429 would only make Twilio retry). Keywords above are never limited: STOP always works.
  // A message is charged once, in the hour it was received: the allowance knows it by its id, so a retry
  // (after the relay failed part way, or a crash before it began) is allowed again without a charge.
  const allowance = await deps.relayLimit.limits.take(
    { name: 'relay-sender', limit: deps.relayLimit.perSenderPerHour, windowSeconds: 3_600 },
    sms.from,
    new Date(sms.receivedAt),
    sms.messageSid,
  );
  if (!allowance.allowed) {
    await deps.publish([relayRefused(sms, brand, job)]);
    return;
  }

  for (const number of team) {
    await deliverOnce(deps, {
      key: relayKey(number),
      brandId: brand.brandId,
      jobId: job?.jobId,
      to: number,
      body:
        revoked && optedOutNow
          ? `${relayText(brand, sms, job, ambiguous)} ${REVOKED_FLAG}`
          : relayText(brand, sms, job, ambiguous),
      template: 'relay',
      audience: 'team',
      sender: senderOf(brand),
    });
  }
  await deps.publish([
    {
      source: 'qdn.notifications',
      detailType: 'SmsRelayed',
      detail: {
        meta: metaOf(sms, brand, job, 'SmsRelayed'),
        data: { messageSid: sms.messageSid, from: sms.from, to: team },
      },
    },
  ]);
}

async function handleTeamText(
  deps: NotificationsContext & { brands: Brands },
  brand: Brand,
  sms: InboundSms,
): Promise<void> {
  const reply = parseTeamReply(sms.body);
  const job = reply ? await deps.store.jobByRef(reply.ref) : undefined;
  await deps.publish([received(sms, brand, job, 'team', undefined)]);
  if (!reply || !job) {
    await deliverOnce(deps, {
      key: `team-help:${sms.messageSid}`,
      brandId: brand.brandId,
      to: sms.from,
      body: reply ? `Not sent: no job ends with #${reply.ref}.` : TEAM_HOW_TO,
      template: 'team_help',
      audience: 'team',
      sender: senderOf(brand),
    });
    return;
  }
  const jobBrand = deps.brands.get(job.brandId);
  await deliverOnce(deps, {
    key: `team-reply:${sms.messageSid}`,
    brandId: job.brandId,
    jobId: job.jobId,
    to: job.phone,
    body: `${reply.text} ${jobBrand.smsSignOff}`,
    template: 'team_reply',
    audience: 'customer',
    sender: senderOf(jobBrand),
  });
}

/** The record of a relay not made because the sender is over their hourly allowance. */
function relayRefused(sms: InboundSms, brand: Brand, job: JobSnapshot | undefined): DomainEvent {
  return {
    source: 'qdn.notifications',
    detailType: 'SmsSuppressed',
    detail: {
      meta: metaOf(sms, brand, job, 'SmsSuppressed'),
      data: { template: 'relay', audience: 'team', reason: 'rate-limited' },
    },
  };
}

function metaOf(sms: InboundSms, brand: Brand, job: JobSnapshot | undefined, detailType: string) {
  return {
    eventId: `inbound:${sms.messageSid}:${detailType}`,
    occurredAt: sms.receivedAt,
    brandId: job?.brandId ?? brand.brandId,
    ...(job ? { jobId: job.jobId } : {}),
    actor: 'twilio',
    correlationId: sms.messageSid,
  };
}

function received(
  sms: InboundSms,
  brand: Brand,
  job: JobSnapshot | undefined,
  audience: 'customer' | 'team',
  keyword: Keyword | undefined,
  revokedConsent = false,
): DomainEvent {
  return {
    source: 'qdn.notifications',
    detailType: 'SmsReceived',
    detail: {
      meta: metaOf(sms, brand, job, 'SmsReceived'),
      data: {
        messageSid: sms.messageSid,
        from: sms.from,
        body: sms.body,
        audience,
        mediaUrls: sms.mediaUrls,
        ...(keyword ? { keyword } : {}),
        ...(revokedConsent ? { revokedConsent } : {}),
      },
    },
  };
}
