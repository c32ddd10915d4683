import type { Brand } from '@qdn/shared/brands';
import { TransientError } from '@qdn/shared/errors';
import { type DomainEvent, MAX_FAILED_ATTEMPTS_ON_EVENT } from '@qdn/shared/events';
import { claimWhenFree } from '@qdn/shared/retry';
import { redactLinkTokens, restoreLinkTokens } from '@qdn/shared/tracking-link';

import {
  type FailedAttempt,
  type NotificationsContext,
  type OutboundSms,
  type RecordedSms,
  type SendClaim,
  type Sender,
  type SendOutcome,
  type SendRecord,
  SmsSendError,
  type SuppressedReason,
  type TextingPermission,
} from './ports.ts';

/** Who a brand's texts come from: its Messaging Service (AWS stages), or a plain number locally. */
export function senderOf(brand: Brand): Sender {
  return 'messagingServiceSid' in brand.twilio
    ? { messagingServiceSid: brand.twilio.messagingServiceSid }
    : { from: brand.twilio.fromNumber };
}

/**
 * Sends one SMS exactly once per `sms.key`, however often it is asked for: redelivered, redriven or
 * replayed a month later. Every outcome — sent, failed, suppressed — is stored with the key; storing it
 * publishes its event for the timeline (the messages table's stream, outcomeEventsOf).
 *
 * - A settled key is never sent again.
 * - An attempt that may have reached Twilio (timeout, dropped connection) is looked up in Twilio before
 *   anything is sent again, so a timeout never becomes a second text.
 * - Twilio 429/5xx: the claim is released and a TransientError goes back to SQS (retry, then DLQ).
 * - 21610 (the number replied STOP): the number joins the suppression list; a permanent SmsFailed.
 * - Other 4xx: a permanent SmsFailed. Opted-out numbers are never sent to: SmsSuppressed.
 * - A customer text needs the customer's consent on record for the brand (or on the job event that asks
 *   for it): without one it is refused, SmsSuppressed `no-consent` (crew and team texts are about their
 *   own work and need none). The help reply and the opt-out confirmation answer the customer's own text.
 */
export async function deliverOnce(
  deps: NotificationsContext,
  sms: OutboundSms,
  /** The number's permission, when the caller has just read it (to render the body): not read again. */
  known: { permission?: TextingPermission } = {},
): Promise<SendOutcome> {
  // What is recorded (the send record, the SmsSent event, the timeline) has its page tokens redacted:
  // only the text to the phone carries live links, rebuilt from link ids on every attempt.
  const recorded: OutboundSms = { ...sms, body: redactLinkTokens(sms.body) };
  const [claim, permission] = await Promise.all([
    claimPatiently(deps, recorded),
    known.permission ?? deps.store.textingPermission(sms.to, sms.brandId),
  ]);
  if (claim.kind === 'busy') throw new TransientError('Another attempt at this SMS is in progress');
  if (claim.kind === 'done') return claim.record.outcome!;
  // The body first claimed is the one sent and looked up: a retry must not reword it. Its links are
  // filled in again from this rendering (the same link ids give the same tokens).
  const body = restoreLinkTokens(claim.record.body, sms.body) ?? sms.body;
  const recordedBody = claim.record.body;
  const { leaseToken } = claim;
  const found = claim.kind === 'uncertain' ? await sentEarlier(deps, claim) : undefined;
  if (found) return settle(deps, sms, recordedBody, leaseToken, { state: 'sent', ...found }, []);
  const refusal = sms.answersOptOut ? undefined : refusalOf(sms, permission);
  if (refusal) {
    return settle(deps, sms, recordedBody, leaseToken, { state: 'suppressed', reason: refusal }, []);
  }
  try {
    const sent = await deps.gateway.send({
      brandId: sms.brandId,
      to: sms.to,
      body,
      sender: sms.sender,
      statusCallback: deps.statusCallbackUrl(sms.jobId),
      ...(sms.validitySeconds ? { validitySeconds: sms.validitySeconds } : {}),
    });
    const { messageSid, status, failedAttempts = [] } = sent;
    return await settle(
      deps,
      sms,
      recordedBody,
      leaseToken,
      { state: 'sent', messageSid, status },
      failedAttempts,
    );
  } catch (error) {
    if (!(error instanceof SmsSendError)) throw error;
    // Each attempt Twilio refused is kept with the record (the timeline shows a late text's reasons).
    const refused = (next: FailedAttempt['next']): FailedAttempt[] => [
      ...error.failedAttempts,
      { at: deps.now().toISOString(), ...(error.code ? { errorCode: error.code } : {}), next },
    ];
    switch (error.kind) {
      case 'unsubscribed':
      case 'permanent':
        // 21610: the number replied STOP to Twilio; it joins our suppression list too.
        if (error.kind === 'unsubscribed')
          await deps.store.suppress(sms.to, `twilio-${error.code ?? '21610'}`, deps.now());
        return settle(
          deps,
          sms,
          recordedBody,
          leaseToken,
          { state: 'failed', errorCode: error.code, errorMessage: error.message },
          error.failedAttempts,
        );
      case 'transient':
        await deps.store.releaseSend(sms.key, leaseToken, refused('retry-later'));
        throw new TransientError(`Twilio did not take the SMS: ${error.message}`, {
          code: error.code,
        });
      case 'ambiguous':
        await deps.store.markSendUncertain(sms.key, leaseToken, refused('look-up'));
        throw new TransientError(
          `No answer from Twilio; will look the SMS up before retrying: ${error.message}`,
          {
            code: error.code,
          },
        );
    }
  }
}

/** Why an SMS may not go to its number at all (undefined: it may). */
function refusalOf(sms: OutboundSms, permission: TextingPermission): SuppressedReason | undefined {
  if (permission.optedOut) return 'opted-out';
  if (sms.audience === 'customer' && !permission.consented && !sms.consentOnEvent) return 'no-consent';
  return undefined;
}

/**
 * A copy of the message delivered while another attempt holds the claim (SQS redelivers when a slow run
 * outlasts the visibility timeout) waits a few seconds for that attempt to settle instead of failing at
 * once: most of the time it then finds the outcome, and a retry is not spent on waiting.
 */
function claimPatiently(deps: NotificationsContext, sms: OutboundSms) {
  return claimWhenFree(
    () => deps.store.claimSend(sms, deps.now(), deps.sendLeaseMs),
    (claim) => claim.kind === 'busy',
    { ceilingMs: deps.busyWaitMs },
  );
}

/** An earlier attempt that may have reached Twilio, looked up there as first claimed (page tokens aside). */
function sentEarlier(deps: NotificationsContext, claim: Extract<SendClaim, { kind: 'uncertain' }>) {
  return deps.gateway.findSent({
    brandId: claim.record.brandId,
    to: claim.record.to,
    body: claim.record.body,
    since: new Date(claim.record.firstAttemptAt),
  });
}

/**
 * Records an outcome without any attempt (e.g. a stale event), once; returns the settled outcome. The SMS
 * is claimed as for a send: an earlier attempt may have reached Twilio (a timeout: looked up there, and
 * recorded sent if found) or be sending it now (retried later), and a text that went out must never be
 * recorded as not sent.
 */
export async function settleWithoutSending(
  deps: NotificationsContext,
  sms: OutboundSms,
  outcome: SendOutcome,
): Promise<SendOutcome> {
  const claim = await claimPatiently(deps, { ...sms, body: redactLinkTokens(sms.body) });
  if (claim.kind === 'busy') throw new TransientError('Another attempt at this SMS is in progress');
  if (claim.kind === 'done') return claim.record.outcome!;
  const found = claim.kind === 'uncertain' ? await sentEarlier(deps, claim) : undefined;
  return settle(
    deps,
    sms,
    claim.record.body,
    claim.leaseToken,
    found ? { state: 'sent', ...found } : outcome,
    [],
  );
}

async function settle(
  deps: NotificationsContext,
  sms: OutboundSms,
  body: string,
  leaseToken: string | undefined,
  outcome: SendOutcome,
  failedAttempts: FailedAttempt[],
): Promise<SendOutcome> {
  const record = await deps.store.settleSend(recordedSms(sms), body, outcome, deps.now(), {
    leaseToken,
    failedAttempts,
  });
  if (record.outcome?.state === 'sent' && sms.audience === 'customer' && !sms.numberTexted) {
    await deps.store.markTexted(sms.to, deps.now());
  }
  return record.outcome!;
}

/** What the send record keeps of an SMS (not its body or sender). */
export function recordedSms(sms: RecordedSms): RecordedSms {
  const { key, brandId, jobId, version, to, template, audience } = sms;
  return { key, brandId, jobId, version, to, template, audience };
}

/**
 * The events one write of a send record stands for (the messages table's stream publishes them): its
 * outcome's, when the write stored it. A settled record never changes, so each outcome is published
 * once per write that settled it (consumers deduplicate on the stable event id anyway).
 */
export function outcomeEventsOf(
  before: SendRecord | undefined,
  after: SendRecord | undefined,
): DomainEvent[] {
  return after?.outcome && !before?.outcome ? [outcomeEvent(after)] : [];
}

/** The event that tells the timeline (and anyone else) what became of an SMS. */
export function outcomeEvent(record: SendRecord): DomainEvent {
  const outcome = record.outcome!;
  const detailType =
    outcome.state === 'sent' ? 'SmsSent' : outcome.state === 'failed' ? 'SmsFailed' : 'SmsSuppressed';
  const meta = {
    // Stable across redeliveries: the timeline stores each event once.
    eventId: `sms:${record.key}:${detailType}`,
    // When the outcome came (for a text sent, when Twilio took it), not when it was first tried.
    occurredAt: record.settledAt ?? record.firstAttemptAt,
    brandId: record.brandId,
    ...(record.jobId ? { jobId: record.jobId } : {}),
    ...(record.version !== undefined ? { version: record.version } : {}),
    actor: 'system',
    correlationId: record.key,
  };
  const attempts = record.failedAttempts?.length
    ? {
        firstAttemptAt: record.firstAttemptAt,
        // A long outage and several redrives can refuse a text more often than an event may say: the
        // latest attempts go on it (the record keeps them all), so the outcome is still published.
        failedAttempts: record.failedAttempts.slice(-MAX_FAILED_ATTEMPTS_ON_EVENT),
      }
    : {};
  const common = { to: record.to, template: record.template, audience: record.audience };
  switch (outcome.state) {
    case 'sent':
      return {
        source: 'qdn.notifications',
        detailType: 'SmsSent',
        detail: {
          meta,
          data: {
            ...common,
            messageSid: outcome.messageSid,
            body: record.body,
            status: outcome.status,
            ...attempts,
          },
        },
      };
    case 'failed':
      return {
        source: 'qdn.notifications',
        detailType: 'SmsFailed',
        detail: {
          meta,
          data: {
            ...common,
            ...(outcome.errorCode ? { errorCode: outcome.errorCode } : {}),
            errorMessage: outcome.errorMessage,
            permanent: true,
            ...attempts,
          },
        },
      };
    case 'suppressed':
      return {
        source: 'qdn.notifications',
        detailType: 'SmsSuppressed',
        detail: { meta, data: { ...common, reason: outcome.reason } },
      };
  }
}
