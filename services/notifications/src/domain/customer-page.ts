import type { JobOnBus } from '@qdn/shared/events';

// Which page of the brand's site a customer's text links to. Charter guests get the guest page
// (`/g/{token}`: the tracking page in charter words, with the check-in details); everyone else the
// tracking page (`/track/{token}`). Both take the same token, derived from the job's link id.

/**
 * A charter speaks of the charter and links its guest page: the brand's `charter` service type, or any
 * job carrying charter details (a dispatcher's charter under another service name).
 */
export function isCharter(job: Pick<JobOnBus, 'serviceType' | 'charter'>): boolean {
  return job.serviceType === 'charter' || job.charter !== undefined;
}

/** The site page a customer's text links to: the tracking page, or a charter's guest page (`/g/`). */
export type CustomerPage = 'track' | 'guest';

/** The page a job's customer texts link to: a charter's guests get the guest page with its check-in details. */
export function customerPageOf(job: Pick<JobOnBus, 'serviceType' | 'charter'>): CustomerPage {
  return isCharter(job) ? 'guest' : 'track';
}

/**
 * The customer's page for a link id (derived under the tracking-link secret, never stored): the tracking
 * page (`/track/{token}`), or for a charter its guest page (`/g/{token}`, the same token).
 */
export interface TrackingLinks {
  urlFor(brandId: string, linkId: string, page?: CustomerPage): Promise<string>;
}

/**
 * The link a customer's text carries, as its template variable: a charter's guest page, else the
 * tracking page; none without a link. Rebuilt from the link id: the event carries no token.
 */
export async function customerPageLink(
  trackingLinks: TrackingLinks,
  job: Pick<JobOnBus, 'brandId' | 'trackingLinkId' | 'serviceType' | 'charter'>,
): Promise<{ trackingUrl?: string; guestPageUrl?: string }> {
  if (!job.trackingLinkId) return {};
  const page = customerPageOf(job);
  const url = await trackingLinks.urlFor(job.brandId, job.trackingLinkId, page);
  return page === 'guest' ? { guestPageUrl: url } : { trackingUrl: url };
}
