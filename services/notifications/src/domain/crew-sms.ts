import type { Brands } from '@qdn/shared/brands';
import { CrewMessage } from '@qdn/shared/events';
import { deliverOnce, senderOf, settleWithoutSending } from './delivery.ts';
import type { NotificationsContext, SendOutcome } from './ports.ts';

/**
 * A queued crew message: raw SNS delivery gives the message itself; an SNS envelope (raw delivery off)
 * wraps it in `Message`. Either way it is validated against the shared contract.
 */
export function parseCrewMessage(body: unknown): CrewMessage {
  const envelope = body as { Type?: string; Message?: unknown };
  const message =
    envelope?.Type === 'Notification' && typeof envelope.Message === 'string'
      ? JSON.parse(envelope.Message)
      : body;
  return CrewMessage.parse(message);
}

/**
 * A crew member's message from scc-bridge: same Twilio sender, opt-out list and timeline as customers.
 * One about an older job version than a message the member was already sent about the job (a v5
 * "assigned Sat 5:30" redriven after v6's "moved to Sun") is recorded as stale, never sent.
 */
export async function textCrewMember(
  deps: NotificationsContext & { brands: Brands },
  message: CrewMessage,
): Promise<SendOutcome> {
  const brand = deps.brands.get(message.brandId);
  const sms = {
    key: `crew:${message.messageId}`,
    brandId: message.brandId,
    jobId: message.jobId,
    to: message.to,
    body: message.body,
    template: `crew_${message.kind}`,
    audience: 'crew',
    sender: senderOf(brand),
  } as const;
  // Claimed before the send: of two versions at once, the older never goes after the newer is claimed.
  const current = await deps.store.claimCrewMessageVersion(message.jobId, message.crewId, message.version);
  if (!current) return settleWithoutSending(deps, sms, { state: 'suppressed', reason: 'stale' });
  return deliverOnce(deps, sms);
}
