/**
 * Matching a flattened event against compiled sub-rules, array-consistently (event-ruler's rulesForJSONEvent):
 * the leaves chosen for a sub-rule's fields must agree on the element of every array they share. Fields are tried
 * in path order and `exists: false` is judged against the elements chosen so far, as event-ruler does.
 */

import type { CompiledField, CompiledSubRule } from './compile.ts';
import type { FlatEvent, Leaf } from './event.ts';

export function matchesSubRules(subRules: readonly CompiledSubRule[], event: FlatEvent): boolean {
  if (!event.hasMembership) {
    for (const subRule of subRules) {
      if (matchesWithoutArrays(subRule, event)) {
        return true;
      }
    }
    return false;
  }
  const search = new ConsistentSearch(event);
  for (const subRule of subRules) {
    if (search.matches(subRule)) {
      return true;
    }
  }
  return false;
}

// No leaf is inside an array, so every choice of leaves is consistent and fields are independent.
function matchesWithoutArrays(subRule: CompiledSubRule, event: FlatEvent): boolean {
  for (const field of subRule.fields) {
    const leaves = event.leaves[field.slot] ?? [];
    if (leaves.length === 0) {
      if (!field.allowsAbsent) {
        return false;
      }
      continue;
    }
    if (!anyLeafPasses(field, leaves)) {
      return false;
    }
  }
  return true;
}

function anyLeafPasses(field: CompiledField, leaves: readonly Leaf[]): boolean {
  const test = field.test;
  if (test === null) {
    return false;
  }
  for (const leaf of leaves) {
    if (test(leaf)) {
      return true;
    }
  }
  return false;
}

/** Backtracking search for one leaf per field with consistent array elements. */
class ConsistentSearch {
  private readonly event: FlatEvent;
  /** Element index chosen for each array id, or -1. */
  private readonly chosen: number[] = [];
  private fields: readonly CompiledField[] = [];
  /** For each field position, the arrays that leaves of later fields live in. */
  private laterArrays: Set<number>[] = [];

  constructor(event: FlatEvent) {
    this.event = event;
  }

  matches(subRule: CompiledSubRule): boolean {
    this.fields = subRule.fields;
    this.laterArrays = this.computeLaterArrays();
    this.chosen.fill(-1);
    return this.matchFrom(0);
  }

  private computeLaterArrays(): Set<number>[] {
    const result: Set<number>[] = [];
    let later = new Set<number>();
    for (let i = this.fields.length - 1; i >= 0; i--) {
      result[i] = later;
      const field = this.fields[i];
      if (field !== undefined) {
        later = new Set(later);
        for (const leaf of this.event.leaves[field.slot] ?? []) {
          for (let j = 0; j < leaf.membership.length; j += 2) {
            later.add(leaf.membership[j] ?? -1);
          }
        }
      }
    }
    return result;
  }

  private matchFrom(position: number): boolean {
    const field = this.fields[position];
    if (field === undefined) {
      return true;
    }
    const leaves = this.event.leaves[field.slot] ?? [];
    const test = field.test;
    let consistentLeafSeen = false;
    // Leaves that agree on every array a later field can see leave the rest of the search in the same state,
    // so only the first of each such group is worth exploring.
    let explored: Set<string> | undefined;
    const later = this.laterArrays[position] ?? new Set<number>();
    for (const leaf of leaves) {
      if (!this.isConsistent(leaf)) {
        continue;
      }
      consistentLeafSeen = true;
      if (test === null || !test(leaf)) {
        continue;
      }
      const signature = this.signature(leaf, later);
      explored ??= new Set<string>();
      if (explored.has(signature)) {
        continue;
      }
      explored.add(signature);
      const assigned = this.assign(leaf);
      const found = this.matchFrom(position + 1);
      this.unassign(assigned);
      if (found) {
        return true;
      }
    }
    return field.allowsAbsent && !consistentLeafSeen && this.matchFrom(position + 1);
  }

  private isConsistent(leaf: Leaf): boolean {
    const membership = leaf.membership;
    for (let i = 0; i < membership.length; i += 2) {
      const current = this.chosen[membership[i] ?? 0] ?? -1;
      if (current !== -1 && current !== membership[i + 1]) {
        return false;
      }
    }
    return true;
  }

  private signature(leaf: Leaf, later: ReadonlySet<number>): string {
    let signature = '';
    const membership = leaf.membership;
    for (let i = 0; i < membership.length; i += 2) {
      if (later.has(membership[i] ?? -1)) {
        signature += `${membership[i]}:${membership[i + 1]},`;
      }
    }
    return signature;
  }

  /** Records the leaf's array elements; returns the array ids newly fixed, for undoing. */
  private assign(leaf: Leaf): number[] {
    const assigned: number[] = [];
    const membership = leaf.membership;
    for (let i = 0; i < membership.length; i += 2) {
      const arrayId = membership[i] ?? 0;
      if ((this.chosen[arrayId] ?? -1) === -1) {
        this.chosen[arrayId] = membership[i + 1] ?? 0;
        assigned.push(arrayId);
      }
    }
    return assigned;
  }

  private unassign(assigned: readonly number[]): void {
    for (const arrayId of assigned) {
      this.chosen[arrayId] = -1;
    }
  }
}
