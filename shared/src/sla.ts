// Pure and dependency-free: the console bundles this (and only this) to colour the board before a
// brand's own thresholds arrive; brands.ts validates a brand's `sla` against the same shape.

/** When the dispatcher console colours a job late or about to be, in minutes. */
export interface SlaThresholds {
  /** En route and this long past its ETA: late (red); past the ETA at all: watch (amber). */
  enRouteLateAfterEtaMinutes: number;
  /** Scheduled with no crew this long before its window starts: late; twice as long: watch. */
  unassignedBeforeStartMinutes: number;
  /** A driver's last location older than this, while en route: amber. */
  staleLocationMinutes: number;
}

/** What a brand gets when its config sets no `sla`. */
export const DEFAULT_SLA: Readonly<SlaThresholds> = {
  enRouteLateAfterEtaMinutes: 15,
  unassignedBeforeStartMinutes: 60,
  staleLocationMinutes: 10,
};
