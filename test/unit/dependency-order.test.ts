import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { composeDependencies, deployOrder, inDependencyOrder } from '../../scripts/deploy/releases.ts';
import { repoRoot } from '../../scripts/services.ts';

// `npm run deploy` and `promote` package side by side and deploy each stack once those it depends on are
// up. Steps here are promises the test settles by hand, so "started" and "running together" are exact.
function controlledSteps() {
  const started: string[] = [];
  const running = new Set<string>();
  let mostAtOnce = 0;
  const settle = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  const step = (service: string) =>
    new Promise<void>((resolve, reject) => {
      started.push(service);
      running.add(service);
      mostAtOnce = Math.max(mostAtOnce, running.size);
      settle.set(service, {
        resolve: () => {
          running.delete(service);
          resolve();
        },
        reject: (error) => {
          running.delete(service);
          reject(error);
        },
      });
    });
  /** Lets every promise callback queued so far run. */
  const flush = () => new Promise((resolve) => setImmediate(resolve));
  return {
    step,
    started,
    flush,
    mostAtOnce: () => mostAtOnce,
    finish: async (service: string) => {
      settle.get(service)!.resolve();
      await flush();
    },
    fail: async (service: string, message: string) => {
      settle.get(service)!.reject(new Error(message));
      await flush();
    },
  };
}

const compose = composeDependencies(readFileSync(`${repoRoot}/serverless-compose.yml`, 'utf8'));
const everyService = deployOrder(readFileSync(`${repoRoot}/serverless-compose.yml`, 'utf8'));

describe('inDependencyOrder', () => {
  it('given the real serverless-compose.yml, when deployed, then jobs goes alone first, the consumers side by side after it, and the pages and the console after the stacks they call', async () => {
    // Prepare
    const steps = controlledSteps();

    // Act / Assess, wave by wave
    const all = inDependencyOrder(everyService, compose, everyService.length, steps.step);
    await steps.flush();
    expect(steps.started).toEqual(['jobs']);
    await steps.finish('jobs');
    expect(steps.started.slice(1).sort()).toEqual(['calendar', 'media', 'scc-bridge']);
    await steps.finish('scc-bridge');
    expect(steps.started.at(-1)).toBe('notifications');
    for (const service of ['media', 'notifications']) await steps.finish(service);
    expect(steps.started).not.toContain('console');
    expect(steps.started.at(-1)).toBe('site');
    await steps.finish('calendar');
    expect(steps.started.at(-1)).toBe('console');
    for (const service of ['site', 'console']) await steps.finish(service);
    await all;
    expect(steps.started).toHaveLength(everyService.length);
    expect(steps.mostAtOnce()).toBe(3);
  });

  it('given a subset of the services, when deployed, then a dependency outside it is not waited for', async () => {
    // Prepare
    const steps = controlledSteps();

    // Act
    const some = inDependencyOrder(['scc-bridge', 'site', 'console'], compose, 3, steps.step);
    await steps.flush();
    const first = [...steps.started];
    await steps.finish('scc-bridge');

    // Assess
    expect(first).toEqual(['scc-bridge']);
    expect(steps.started).toEqual(['scc-bridge', 'site', 'console']);
    for (const service of ['site', 'console']) await steps.finish(service);
    await some;
  });

  it('given no dependencies and a concurrency of 2, when run, then never more than two run at once and each starts as one ends', async () => {
    // Prepare
    const steps = controlledSteps();

    // Act
    const packaging = inDependencyOrder(['a', 'b', 'c', 'd'], new Map(), 2, steps.step);
    await steps.flush();
    const first = [...steps.started];
    await steps.finish('b');

    // Assess
    expect(first).toEqual(['a', 'b']);
    expect(steps.started).toEqual(['a', 'b', 'c']);
    for (const service of ['a', 'c', 'd']) await steps.finish(service);
    await packaging;
    expect(steps.mostAtOnce()).toBe(2);
  });

  it('given a stack that fails, when others are running, then they finish, nothing new starts, and the error names what never started', async () => {
    // Prepare
    const steps = controlledSteps();
    const all = inDependencyOrder(everyService, compose, everyService.length, steps.step);
    const outcome = all.then(
      () => undefined,
      (error: Error) => error,
    );
    await steps.flush();
    await steps.finish('jobs');

    // Act
    await steps.fail('media', 'serverless deploy of media to prod failed');
    await steps.finish('scc-bridge');
    const startedAfterFailure = [...steps.started];
    await steps.finish('calendar');

    // Assess
    expect(startedAfterFailure.sort()).toEqual(['calendar', 'jobs', 'media', 'scc-bridge']);
    expect(steps.started).toHaveLength(4);
    expect((await outcome)?.message).toBe(
      'serverless deploy of media to prod failed (not started: notifications, site, console)',
    );
  });

  it('given two stacks that fail side by side, when both have ended, then both errors are thrown, neither lost', async () => {
    // Prepare
    const steps = controlledSteps();
    const outcome = inDependencyOrder(everyService, compose, everyService.length, steps.step).then(
      () => undefined,
      (error: AggregateError) => error,
    );
    await steps.flush();
    await steps.finish('jobs');

    // Act
    await steps.fail('media', 'media: stack rolled back');
    await steps.fail('calendar', 'calendar: stack rolled back');
    await steps.finish('scc-bridge');

    // Assess
    const error = await outcome;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error?.message).toBe('2 failed (not started: notifications, site, console)');
    expect(error?.errors.map((each: Error) => each.message)).toEqual([
      'media: stack rolled back',
      'calendar: stack rolled back',
    ]);
  });

  it('given a step that throws before it returns a promise, when others are running, then they still finish before the error is thrown', async () => {
    // Prepare
    const steps = controlledSteps();
    const step = (service: string) => {
      if (service === 'b') throw new Error('b: no package');
      return steps.step(service);
    };

    // Act
    let settled = false;
    const outcome = inDependencyOrder(['a', 'b'], new Map(), 2, step).then(
      () => undefined,
      (error: Error) => {
        settled = true;
        return error;
      },
    );
    await steps.flush();
    const settledWhileRunning = settled;
    await steps.finish('a');

    // Assess
    expect(settledWhileRunning).toBe(false);
    expect((await outcome)?.message).toBe('b: no package');
  });
});
