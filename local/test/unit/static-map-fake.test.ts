import { describe, expect, it } from '@jest/globals';
import { createStaticMapFake, LOCAL_MAPS_KEY } from '../../src/fakes/static-map.ts';

const ask = (query: string, path = '/v2/static/map@2x') =>
  createStaticMapFake().answer(new URL(`http://localhost${path}?${query}`));

describe('the static map fake', () => {
  it('given a centre, size and the key, then an SVG of the asked size (2x for map@2x)', () => {
    const answer = ask(`center=-117.1566,32.7073&zoom=15&width=400&height=220&key=${LOCAL_MAPS_KEY}`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('image/svg+xml');
    expect(answer.body).toMatch(/^<svg [^>]*width="800" height="440"/);
    expect(answer.body).toContain('32.7073, -117.1566');
  });

  it('given no key or another, a missing centre or a size out of range, then what Amazon Location refuses', () => {
    expect(ask('center=-117.1,32.7&width=400&height=220').status).toBe(403);
    expect(ask('center=-117.1,32.7&width=400&height=220&key=v1.public.other').status).toBe(403);
    expect(ask(`width=400&height=220&key=${LOCAL_MAPS_KEY}`).status).toBe(400);
    expect(ask(`center=-117.1,32.7&width=4000&height=220&key=${LOCAL_MAPS_KEY}`).status).toBe(400);
    expect(ask(`center=-117.1,32.7&width=400&height=220&key=${LOCAL_MAPS_KEY}`, '/v2/tiles/x').status).toBe(
      404,
    );
  });

  it('keeps what it answered, with the key masked', () => {
    const fake = createStaticMapFake();
    fake.answer(
      new URL(`http://localhost/v2/static/map?center=1,2&width=100&height=100&key=${LOCAL_MAPS_KEY}`),
    );
    expect(fake.requests()).toEqual([
      {
        path: '/v2/static/map',
        query: { center: '1,2', width: '100', height: '100', key: '***' },
        status: 200,
      },
    ]);
  });

  it('given the key, then a style for MapLibre with nothing remote to fetch, open to any origin', () => {
    const fake = createStaticMapFake();
    const answer = fake.answer(
      new URL(`http://localhost/v2/styles/Standard/descriptor?key=${LOCAL_MAPS_KEY}`),
      { referer: 'http://localhost:3002/' },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    const style = JSON.parse(answer.body) as {
      version: number;
      sources: Record<string, { type: string }>;
    } & Record<string, unknown>;
    expect(style.version).toBe(8);
    expect(Object.values(style.sources).map((source) => source.type)).toEqual(['geojson']);
    expect(answer.body).not.toMatch(/https?:\/\//);
    expect(style.glyphs).toBeUndefined();
    expect(style.sprite).toBeUndefined();
    expect(fake.requests()).toEqual([
      {
        path: '/v2/styles/Standard/descriptor',
        query: { key: '***' },
        status: 200,
        referer: 'http://localhost:3002/',
      },
    ]);
    expect(
      fake.answer(new URL('http://localhost/v2/styles/Standard/descriptor?key=v1.public.other')).status,
    ).toBe(403);
  });
});
