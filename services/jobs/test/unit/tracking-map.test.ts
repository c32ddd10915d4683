import { describe, expect, it } from '@jest/globals';
import { testBrands } from '@qdn/local-cloud/test-factories';
import type { JobRecord } from '../../src/domain/job.ts';
import { staticMapUrl } from '../../src/domain/tracking-map.ts';
import { trackingView } from '../../src/domain/tracking-view.ts';
import { jobRecord } from './fakes.ts';

const BASE = 'https://maps.geo.us-west-2.amazonaws.com/v2/static/map';
const MAPS = { base: BASE, key: 'v1.public.test-key' };
const NOW = new Date('2026-12-04T18:00:00.000Z');

describe('staticMapUrl', () => {
  it("given the truck's point, then a 2x GetStaticMap image centred on it, longitude first, with the key", () => {
    const url = new URL(staticMapUrl(BASE, MAPS.key, { lat: 32.707312, lng: -117.156623 }));
    expect(`${url.origin}${url.pathname}`).toBe('https://maps.geo.us-west-2.amazonaws.com/v2/static/map@2x');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      style: 'Satellite',
      center: '-117.1566,32.7073',
      zoom: '15',
      width: '400',
      height: '220',
      key: 'v1.public.test-key',
    });
  });

  it('given GPS jitter within ~10 m, then the same image', () => {
    expect(staticMapUrl(BASE, MAPS.key, { lat: 32.70731, lng: -117.15662 })).toBe(
      staticMapUrl(BASE, MAPS.key, { lat: 32.707312, lng: -117.156618 }),
    );
  });
});

describe("the tracking view's map", () => {
  const job = (status: JobRecord['status']): JobRecord =>
    jobRecord({
      jobId: 'qdn_01JMAP',
      version: 3,
      status,
      customer: { name: 'Lena Ortiz', phone: '+16195550311' },
      address: { text: '100 Park Blvd, San Diego' },
      schedule: { date: '2026-12-04', window: 'afternoon' },
      statusHistory: [{ status: 'en_route', at: '2026-12-04T17:50:00.000Z', by: 'driver-1' }],
      updatedAt: '2026-12-04T17:50:00.000Z',
    });
  const point = { lat: 32.71, lng: -117.16, recordedAt: '2026-12-04T17:58:00.000Z' };
  const brand = testBrands.get('qdn');

  it('given a truck on its way with a fresh point and maps configured, then the image of that point', () => {
    const view = trackingView(job('en_route'), brand, { lastPoint: point, now: NOW, maps: MAPS });
    expect(view.job.mapImageUrl).toBe(staticMapUrl(BASE, MAPS.key, point));
  });

  it('given no maps configured, or no location to show, then no image', () => {
    expect(trackingView(job('en_route'), brand, { lastPoint: point, now: NOW }).job).not.toHaveProperty(
      'mapImageUrl',
    );
    expect(
      trackingView(job('arrived'), brand, { lastPoint: point, now: NOW, maps: MAPS }).job,
    ).not.toHaveProperty('mapImageUrl');
  });
});
