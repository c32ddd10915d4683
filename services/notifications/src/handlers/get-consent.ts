import { httpHandler } from '@qdn/shared/http';
import { messageStore } from '../adapters/store-context.ts';
import { ConsentParams } from '../domain/route-input.ts';

/**
 * GET /consent/{phone} (admin): everything on record about texting a number, for a carrier's audit or
 * the customer's own request: each consent (how, when, by whom, the words agreed to, which brand and
 * job), the opt-out if there is one, and every undo of an opt-out read into a reply.
 */
export const handler = httpHandler(
  { roles: ['admin'], params: ConsentParams },
  async function exportConsent({ params }) {
    const history = await messageStore().consentHistory(params.phone);
    return {
      body: {
        phone: params.phone,
        // Texts may go to the number (per brand) while it has consent and no opt-out.
        textable: history.optOut === undefined && history.consents.length > 0,
        ...history,
        consents: history.consents.map(({ phone: _phone, ...consent }) => consent),
      },
    };
  },
);
