import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from './logging.ts';

/**
 * The middy stack for a function run on a schedule (a `schedule:` event in serverless.yml: an
 * EventBridge rule; locally the local cloud's schedule trigger). The work gets the schedule's own time
 * (`event.time`) as "now", not the clock: a run that starts late still acts for its slot, and a test
 * passes a day weeks ahead instead of waiting for it.
 *
 * @example
 * export const handler = scheduledHandler(async function expireRequestsOnSchedule(now) { … });
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
 */
export function scheduledHandler<T>(work: (now: Date) => Promise<T>) {
  return middy<ScheduledEvent, T>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(function scheduledRun(event) {
      const scheduledAt = new Date(event?.time ?? Number.NaN);
      return work(Number.isNaN(scheduledAt.getTime()) ? new Date() : scheduledAt);
    });
}
