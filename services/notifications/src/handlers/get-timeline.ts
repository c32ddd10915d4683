import { NotFoundError } from '@qdn/shared/errors';
import { httpHandler } from '@qdn/shared/http';
import { z } from 'zod';
import { notificationsContext } from '../adapters/notifications-context.ts';
import { dashboardTimeline } from '../domain/timeline.ts';

/** GET /jobs/{jobId}/timeline (dashboard): everything that happened to the job, oldest first. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin', 'driver'], params: z.object({ jobId: z.string().min(1).max(64) }) },
  async function getTimeline({ params }) {
    const { entries, deliveries } = await (await notificationsContext()).store.timeline(params.jobId);
    if (entries.length === 0) throw new NotFoundError('No timeline for this job');
    return { body: { jobId: params.jobId, entries: dashboardTimeline(entries, deliveries) } };
  },
);
