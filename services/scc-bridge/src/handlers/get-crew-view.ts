import { httpHandler } from '@qdn/shared/http';
import { bridgeContext } from '../adapters/bridge-context.ts';
import { CrewLinkParams } from '../domain/crew-link-input.ts';
import { CREW_LINK_NOT_FOUND, crewPage } from '../domain/crew-page.ts';

const noStore = { 'cache-control': 'no-store' };

/** GET /crew/{token} (public): the crew view and checklist; unknown, malformed, expired and revoked links get the same 404. */
export const handler = httpHandler(
  { params: CrewLinkParams },
  async function getCrewViewRoute({ params, event }) {
    const page = await crewPage(await bridgeContext(), params.token, {
      sourceIp: event.requestContext.http.sourceIp,
    });
    return page
      ? { body: page, headers: noStore }
      : { statusCode: 404, body: { error: CREW_LINK_NOT_FOUND }, headers: noStore };
  },
);
