import type { Brand } from '@qdn/shared/brands';
import type { DomainEvent } from '@qdn/shared/events';

/** One item of a charter's checklist as the crew's tick recorded it: who, when. */
export interface ChecklistTick {
  itemId: string;
  done: boolean;
  byCrewId: string;
  byFirstName: string;
  at: string;
  /** Bumped on every change: each change is one CrewChecklistItemTicked (its id ends with the revision). */
  revision: number;
}

/**
 * A tick as the crew table stores it: with what its event names, so the table's stream can publish the
 * event from the write alone (tickEventsOf). Ticks stored before they kept these have none: no event.
 */
export interface StoredTick extends ChecklistTick {
  jobId?: string;
  brandId?: string;
  label?: string;
}

/**
 * The events one write of a tick stands for (the crew table's stream publishes them): a new revision is
 * one CrewChecklistItemTicked. A repeat of the same state changes nothing and so publishes nothing.
 */
export function tickEventsOf(before: StoredTick | undefined, after: StoredTick | undefined): DomainEvent[] {
  if (!after || after.revision <= (before?.revision ?? 0)) return [];
  const { jobId, brandId, label } = after;
  if (!jobId || !brandId || label === undefined) return [];
  return [
    {
      source: 'qdn.scc-bridge',
      detailType: 'CrewChecklistItemTicked',
      detail: {
        meta: {
          eventId: `${jobId}:CrewChecklistItemTicked:${after.itemId}:${after.revision}`,
          occurredAt: after.at,
          brandId,
          jobId,
          actor: `crew:${after.byCrewId}`,
          correlationId: `${jobId}:checklist:${after.itemId}:${after.revision}`,
        },
        data: { jobId, crewId: after.byCrewId, itemId: after.itemId, label, done: after.done },
      },
    },
  ];
}

/** An item as the crew page shows it. */
export interface ChecklistItem {
  itemId: string;
  label: string;
  done: boolean;
  by?: string;
  at?: string;
}

/** "Fuel and water checked" → "fuel-and-water-checked" */
export function checklistItemId(label: string): string {
  return label
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}

/** The brand's checklist template for a service type (brand config `crewChecklists`), with item ids. */
export function checklistTemplate(brand: Brand, serviceType: string): { itemId: string; label: string }[] {
  const seen = new Set<string>();
  return (brand.crewChecklists[serviceType] ?? [])
    .map((label) => ({ itemId: checklistItemId(label), label }))
    .filter((item) => item.itemId !== '' && !seen.has(item.itemId) && seen.add(item.itemId));
}

/** The template with what the crew has ticked so far. */
export function checklistOf(
  template: readonly { itemId: string; label: string }[],
  ticks: readonly ChecklistTick[],
): ChecklistItem[] {
  const byItem = new Map(ticks.map((tick) => [tick.itemId, tick]));
  return template.map(({ itemId, label }) => {
    const tick = byItem.get(itemId);
    return tick
      ? { itemId, label, done: tick.done, by: tick.byFirstName, at: tick.at }
      : { itemId, label, done: false };
  });
}
