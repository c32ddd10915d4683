import { acceptedDetailTypes } from '@qdn/shared/consumers';
import { logger } from '@qdn/shared/logging';
import { busEvents, queueConsumer } from '@qdn/shared/queue';
import { crewStatusStore } from '../adapters/calendar-context.ts';
import { crewStatus } from '../consumers.ts';
import { recordCrewStatus } from '../domain/calendar-commands.ts';

/**
 * crew-status: the roster's CrewMemberStatusChanged (scc-bridge) → whether the member's crew calendar
 * feed may be served. A deactivated member's feed gets the unknown feed's 404, like their crew links.
 */
export const handler = queueConsumer(
  { consumer: crewStatus.name, parse: busEvents(...acceptedDetailTypes(crewStatus)) },
  async function recordCrewMemberStatus(event) {
    const outcome = await recordCrewStatus({ crewStatus: crewStatusStore() }, event.detail.data);
    logger.info('Crew status recorded', { outcome, active: event.detail.data.active });
  },
);
