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
