const EARTH_RADIUS_METERS = 6_371_000;

/** Great-circle distance in metres (haversine). */
export function distanceMeters(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const radians = (degrees: number) => (degrees * Math.PI) / 180;
  const dLat = radians(b.lat - a.lat);
  const dLng = radians(b.lng - a.lng);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.sqrt(h));
}

/** The first point within the arrival radius of the job's address, if any. */
export function arrivalPoint<Point extends { lat: number; lng: number }>(
  points: readonly Point[],
  destination: { lat?: number | undefined; lng?: number | undefined },
  radiusMeters: number,
): { point: Point; distanceMeters: number } | undefined {
  if (destination.lat === undefined || destination.lng === undefined) return undefined;
  const target = { lat: destination.lat, lng: destination.lng };
  for (const point of points) {
    const distance = distanceMeters(point, target);
    if (distance <= radiusMeters) return { point, distanceMeters: distance };
  }
  return undefined;
}

/** What the job records when the truck first comes within the arrival radius. */
export interface Arrival {
  /** When the phone recorded the first point within the radius. */
  arrivingAt: string;
  distanceMeters: number;
}

/**
 * Whether these points mean the truck is arriving: the job is on its way, has not been seen arriving
 * yet, and one of the points recorded since it set off lies within the radius of its address. Points
 * from before it set off (a phone's backlog) say nothing about this trip.
 */
export function arrivalOf(
  job: {
    status: string;
    arrivingAt?: string | undefined;
    address: { lat?: number | undefined; lng?: number | undefined };
    statusHistory?: readonly { status: string; at: string }[] | undefined;
  },
  points: readonly { lat: number; lng: number; recordedAt: string }[],
  radiusMeters: number,
): Arrival | undefined {
  if (job.status !== 'en_route' || job.arrivingAt !== undefined) return undefined;
  const setOffAt = job.statusHistory?.findLast((change) => change.status === 'en_route')?.at;
  const sinceSetOff = points
    .filter((point) => setOffAt === undefined || point.recordedAt >= setOffAt)
    .toSorted((a, b) => a.recordedAt.localeCompare(b.recordedAt));
  const hit = arrivalPoint(sinceSetOff, job.address, radiusMeters);
  return hit
    ? { arrivingAt: hit.point.recordedAt, distanceMeters: Math.round(hit.distanceMeters) }
    : undefined;
}
