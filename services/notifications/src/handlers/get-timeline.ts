import { loadBrands } from '@qdn/shared/brand-loader';
import { NotFoundError } from '@qdn/shared/errors';
import { httpHandler } from '@qdn/shared/http';
import { isDriverOnly, staffMayAccess } from '@qdn/shared/roles';
import { zonedDate } from '@qdn/shared/zoned-time';
import { messageStore } from '../adapters/store-context.ts';
import { JobIdParams } from '../domain/route-input.ts';
import { dashboardTimeline } from '../domain/timeline.ts';

/** GET /jobs/{jobId}/timeline (dashboard): everything that happened to the job, oldest first. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin', 'driver'], params: JobIdParams },
  async function getTimeline({ params, principal }) {
    const store = messageStore();
    if (isDriverOnly(principal)) {
      // A driver reads only the timeline of a job assigned to them, on its day(s); else the same 404.
      const job = await store.job(params.jobId);
      const today = job && zonedDate(new Date(), (await loadBrands()).get(job.brandId).timeZone);
      if (!job || !today || !staffMayAccess(principal, job, today)) {
        throw new NotFoundError('No timeline for this job');
      }
    }
    const { entries, deliveries } = await store.timeline(params.jobId);
    if (entries.length === 0) throw new NotFoundError('No timeline for this job');
    return { body: { jobId: params.jobId, entries: dashboardTimeline(entries, deliveries) } };
  },
);
