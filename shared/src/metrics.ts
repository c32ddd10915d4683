// Business metrics in CloudWatch's Embedded Metric Format (Powertools Metrics): each one is a JSON log
// line that CloudWatch Logs turns into a metric — no SDK client, no network call, no credentials. The
// namespace (POWERTOOLS_METRICS_NAMESPACE, `qdn`) and the `service` dimension (POWERTOOLS_SERVICE_NAME)
// come from every function's environment; the stage's dashboard (jobs stack, QdnDashboard) graphs them.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as Unit } from '@aws-lambda-powertools/metrics/types';

/** The metric names the dashboard reads (services/jobs/serverless.yml, scripts/osls-plugin/dashboard.cjs). */
export const METRIC = {
  smsSent: 'SmsSent',
  smsFailed: 'SmsFailed',
  smsSuppressed: 'SmsSuppressed',
  fanOutLatency: 'FanOutLatency',
  deadLettered: 'DeadLettered',
} as const;

const metrics = new Metrics();

/** One metric, published at once as its own EMF line with its own dimensions (no buffer to flush). */
function emit(name: string, unit: Unit, value: number, dimensions: Record<string, string>): void {
  const single = metrics.singleMetric();
  for (const [dimension, dimensionValue] of Object.entries(dimensions))
    single.addDimension(dimension, dimensionValue);
  single.addMetric(name, unit, value);
}

/** An SMS's outcome, per brand: Twilio took it, refused it for good, or it was never sent (opt-out, stale). */
export function countSms(outcome: 'sent' | 'failed' | 'suppressed', brandId: string): void {
  const name =
    outcome === 'sent' ? METRIC.smsSent : outcome === 'failed' ? METRIC.smsFailed : METRIC.smsSuppressed;
  emit(name, MetricUnit.Count, 1, { brand: brandId });
}

/**
 * Fan-out latency: from the moment the event happened (its `occurredAt`) to Twilio's acceptance of the
 * text it caused, per brand. A clock skew that would make it negative is not a measurement: skipped.
 */
export function recordFanOutLatency(brandId: string, occurredAt: string, acceptedAt: Date): void {
  const ms = acceptedAt.getTime() - Date.parse(occurredAt);
  if (!Number.isFinite(ms) || ms < 0) return;
  emit(METRIC.fanOutLatency, MetricUnit.Milliseconds, ms, { brand: brandId });
}

/** A message this consumer gives up on: its last delivery failed, SQS moves it to the DLQ next. */
export function countDeadLettered(consumer: string): void {
  emit(METRIC.deadLettered, MetricUnit.Count, 1, { consumer });
}
