import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../cloudformation.ts';

/** A function's `schedule:` event (serverless.yml), as the local cloud runs it. */
export interface ScheduleDeclaration {
  functionKey: string;
  /** `rate(1 hour)`; a `cron(…)` schedule is kept but only run when fired by hand (`fire`). */
  expression: string;
  enabled: boolean;
}

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * Milliseconds between runs of a `rate(…)` expression (EventBridge's grammar: a positive whole number
 * and minute(s), hour(s) or day(s), singular exactly for 1); undefined for anything else (cron).
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
 */
export function rateMs(expression: string): number | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2]!;
  if (value < 1 || (value === 1) !== !unit.endsWith('s')) return undefined;
  return value * UNIT_MS[unit.replace(/s$/, '')]!;
}

/** The event EventBridge hands a scheduled function: `time` is the slot's time. */
export function scheduledEvent(functionKey: string, time: Date): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [
      `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/local-${functionKey.replace('.', '-')}`,
    ],
    detail: {},
  };
}

/**
 * Runs a scheduled function locally as EventBridge would: first one period after start, then every
 * period, with the slot's time in the event. `fire` runs it now (or for any time: a test's "now").
 */
export class ScheduleTrigger {
  readonly #declaration: ScheduleDeclaration;
  readonly #invoke: (event: ScheduledEvent) => Promise<unknown>;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    declaration: ScheduleDeclaration,
    options: { invoke: (event: ScheduledEvent) => Promise<unknown>; onError: (error: unknown) => void },
  ) {
    this.#declaration = declaration;
    this.#invoke = options.invoke;
    this.#onError = options.onError;
  }

  get functionKey(): string {
    return this.#declaration.functionKey;
  }

  start(): void {
    const period = rateMs(this.#declaration.expression);
    if (!this.#declaration.enabled || period === undefined) return;
    this.#timer = setInterval(() => {
      this.fire().catch(this.#onError);
    }, period);
    // A schedule never keeps the process alive on its own.
    this.#timer.unref();
  }

  fire(time = new Date()): Promise<unknown> {
    return this.#invoke(scheduledEvent(this.#declaration.functionKey, time));
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
