import { describe, expect, it } from '@jest/globals';
import { perInstance, perInstanceAsync } from '../../src/per-instance.ts';

describe('perInstance', () => {
  it('builds on first use only, and gives the same value after', () => {
    let builds = 0;
    const store = perInstance(() => ({ build: ++builds }));
    expect(builds).toBe(0);
    const first = store();
    expect(store()).toBe(first);
    expect(builds).toBe(1);
  });

  it('does not keep a build that threw: the next call builds again', () => {
    let builds = 0;
    const store = perInstance(() => {
      if (++builds === 1) throw new Error('no table name');
      return { build: builds };
    });
    expect(() => store()).toThrow('no table name');
    expect(store()).toEqual({ build: 2 });
    expect(store()).toEqual({ build: 2 });
  });
});

describe('perInstanceAsync', () => {
  it('shares one build between calls made while it is under way', async () => {
    let builds = 0;
    const context = perInstanceAsync(async () => ({ build: ++builds }));
    const [a, b] = await Promise.all([context(), context()]);
    expect(a).toBe(b);
    expect(await context()).toBe(a);
    expect(builds).toBe(1);
  });

  it('forgets a failed build (SSM unreachable at a cold start), so the next invocation tries again', async () => {
    let builds = 0;
    const context = perInstanceAsync(async () => {
      if (++builds === 1) throw new Error('SSM unreachable');
      return { build: builds };
    });
    await expect(context()).rejects.toThrow('SSM unreachable');
    expect(await context()).toEqual({ build: 2 });
    expect(await context()).toEqual({ build: 2 });
    expect(builds).toBe(2);
  });
});
