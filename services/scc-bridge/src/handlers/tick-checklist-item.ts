import { httpHandler } from '@qdn/shared/http';
import { bridgeContext } from '../adapters/bridge-context.ts';
import { ChecklistItemParams, ChecklistTickInput } from '../domain/crew-link-input.ts';
import { CREW_LINK_NOT_FOUND, tickChecklistItem } from '../domain/crew-page.ts';

const noStore = { 'cache-control': 'no-store' };

/** POST /crew/{token}/checklist/{itemId} (public) `{ done }` → the crew page with the item ticked. */
export const handler = httpHandler(
  {
    params: ChecklistItemParams,
    body: ChecklistTickInput,
    maxBodyBytes: 1024,
  },
  async function tickChecklistItemRoute({ params, body, event }) {
    const page = await tickChecklistItem(await bridgeContext(), params.token, params.itemId, body.done, {
      sourceIp: event.requestContext.http.sourceIp,
    });
    return page
      ? { body: page, headers: noStore }
      : { statusCode: 404, body: { error: CREW_LINK_NOT_FOUND }, headers: noStore };
  },
);
