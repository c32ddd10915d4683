import type { Brand } from '@qdn/shared/brands';

/** One item of a charter's checklist as the crew's tick recorded it: who, when. */
export interface ChecklistTick {
  itemId: string;
  done: boolean;
  byCrewId: string;
  byFirstName: string;
  at: string;
  /** Bumped on every change; the event for a change goes out once (see publishedRevision). */
  revision: number;
  publishedRevision?: number;
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
