import { httpHandler } from '@qdn/shared/http';
import { messageStore } from '../adapters/store-context.ts';
import { restoreConsentAfterMisreading } from '../domain/consent-restoration.ts';
import { ReplyParams } from '../domain/route-input.ts';

/**
 * POST /jobs/{jobId}/messages/{messageSid}/restore-consent (dispatcher, admin) → 200
 * `{ restored, phone }`: the customer's reply was not asking us to stop; text the number again.
 * 404 when no reply of the job was read as an opt-out; 409 when the customer also texted STOP.
 */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'], params: ReplyParams },
  async function restoreConsent({ params, principal }) {
    const outcome = await restoreConsentAfterMisreading(
      { store: messageStore(), now: () => new Date() },
      { jobId: params.jobId, messageSid: params.messageSid, dispatcherId: principal!.userId },
    );
    return { body: outcome };
  },
);
