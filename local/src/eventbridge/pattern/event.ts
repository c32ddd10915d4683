/**
 * Flattens an event into the leaf values a compiled pattern looks at, as event-ruler does: a leaf's name is its
 * dotted path (so `{"a.b": 1}` and `{"a": {"b": 1}}` name the same field), array elements share their array's
 * path, objects and empty arrays contribute no leaf, and each leaf remembers which element of which array it
 * came from so that a match can insist on one consistent element per array.
 */

import { parseIpAddress } from './ip.ts';
import { JSON_CHARS, JsonReader, JsonSyntaxError, MAX_JSON_DEPTH, numberText } from './json.ts';
import { type DecimalValue, parseDecimal } from './numbers.ts';

export const KIND_STRING = 0;
export const KIND_NUMBER = 1;
export const KIND_TRUE = 2;
export const KIND_FALSE = 3;
export const KIND_NULL = 4;
export type LeafKind = 0 | 1 | 2 | 3 | 4;

const NO_MEMBERSHIP: readonly number[] = [];

/** One scalar value of the event at one path. */
export class Leaf {
  readonly kind: LeafKind;
  /** The decoded string, or the number's literal text. */
  readonly text: string;
  /** Flat `[arrayId, index, ...]` pairs, outermost array first. */
  readonly membership: readonly number[];
  private decimalCache: DecimalValue | null | undefined;
  private ipCache: Uint8Array | null | undefined;

  constructor(kind: LeafKind, text: string, membership: readonly number[]) {
    this.kind = kind;
    this.text = text;
    this.membership = membership;
  }

  /** The number's canonical value; undefined for non-numbers. */
  decimal(): DecimalValue | undefined {
    if (this.decimalCache === undefined) {
      this.decimalCache = this.kind === KIND_NUMBER ? (parseDecimal(this.text) ?? null) : null;
    }
    return this.decimalCache ?? undefined;
  }

  /** The string's IP address bytes; undefined unless the value is a string holding an IP literal. */
  ip(): Uint8Array | undefined {
    if (this.ipCache === undefined) {
      this.ipCache = this.kind === KIND_STRING ? (parseIpAddress(this.text) ?? null) : null;
    }
    return this.ipCache ?? undefined;
  }
}

/** Which paths a pattern reads: full field paths (to their slot) and every proper prefix of them. */
export interface PathIndex {
  readonly slots: ReadonlyMap<string, number>;
  readonly prefixes: ReadonlySet<string>;
  readonly slotCount: number;
}

export function buildPathIndex(paths: readonly string[]): PathIndex {
  const slots = new Map<string, number>();
  const prefixes = new Set<string>();
  for (const path of paths) {
    if (!slots.has(path)) {
      slots.set(path, slots.size);
    }
    for (let dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', dot + 1)) {
      prefixes.add(path.slice(0, dot));
    }
  }
  return { slots, prefixes, slotCount: slots.size };
}

/** The leaves of one event, bucketed by slot. */
export interface FlatEvent {
  readonly leaves: readonly (readonly Leaf[])[];
  /** Whether any leaf sits inside an array (otherwise array consistency is trivially satisfied). */
  readonly hasMembership: boolean;
}

class Collector {
  readonly index: PathIndex;
  readonly slotOf: Leaf[] = [];
  readonly slots: number[] = [];
  readonly dead: boolean[] = [];
  membership: number[] = [];
  nextArrayId = 0;
  hasMembership = false;

  constructor(index: PathIndex) {
    this.index = index;
  }

  emit(slot: number, kind: LeafKind, text: string): void {
    const membership = this.membership.length === 0 ? NO_MEMBERSHIP : this.membership.slice();
    this.slotOf.push(new Leaf(kind, text, membership));
    this.slots.push(slot);
    this.dead.push(false);
  }

  childPath(parent: string, key: string): string {
    return parent === '' ? key : `${parent}.${key}`;
  }

  /** The slot of a path, or -1; and whether anything below the path is of interest. */
  slot(path: string): number {
    return this.index.slots.get(path) ?? -1;
  }

  isPrefix(path: string): boolean {
    return this.index.prefixes.has(path);
  }

  finish(): FlatEvent {
    const buckets: Leaf[][] = [];
    for (let i = 0; i < this.index.slotCount; i++) {
      buckets.push([]);
    }
    for (let i = 0; i < this.slotOf.length; i++) {
      if (!this.dead[i]) {
        buckets[this.slots[i] ?? 0]?.push(this.slotOf[i] as Leaf);
      }
    }
    return { leaves: buckets, hasMembership: this.hasMembership };
  }
}

/** Flattens a JSON text event; throws JsonSyntaxError for malformed text. */
export function flattenEventText(text: string, index: PathIndex): FlatEvent {
  const reader = new JsonReader(text);
  const collector = new Collector(index);
  if (reader.peek() === JSON_CHARS.openBrace) {
    readObject(reader, collector, '', 0);
  } else {
    // A top-level scalar or array has no named fields: every field is absent.
    reader.skipValue(0);
  }
  reader.expectEnd();
  return collector.finish();
}

function readObject(reader: JsonReader, collector: Collector, path: string, depth: number): void {
  reader.enter(depth);
  reader.pos++;
  if (reader.peek() === JSON_CHARS.closeBrace) {
    reader.pos++;
    return;
  }
  // Keys whose values produced leaves, with the range of those leaves, so a repeated key can void them.
  let emittedKeys: string[] | undefined;
  let emittedRanges: number[] | undefined;
  for (;;) {
    if (reader.peek() !== JSON_CHARS.quote) {
      reader.fail('Expected an object key');
    }
    const key = reader.readString();
    reader.expect(JSON_CHARS.colon);
    const childPath = collector.childPath(path, key);
    const start = collector.slotOf.length;
    if (emittedKeys !== undefined && emittedRanges !== undefined) {
      const previous = emittedKeys.lastIndexOf(key);
      if (previous >= 0) {
        // The last occurrence of a key wins, as with JSON.parse.
        for (let i = emittedRanges[previous * 2] ?? 0; i < (emittedRanges[previous * 2 + 1] ?? 0); i++) {
          collector.dead[i] = true;
        }
      }
    }
    readValue(reader, collector, childPath, depth + 1);
    const end = collector.slotOf.length;
    if (end > start) {
      emittedKeys ??= [];
      emittedRanges ??= [];
      emittedKeys.push(key);
      emittedRanges.push(start, end);
    }
    if (!reader.afterMember(JSON_CHARS.closeBrace)) {
      return;
    }
  }
}

function readValue(reader: JsonReader, collector: Collector, path: string, depth: number): void {
  const slot = collector.slot(path);
  const c = reader.peek();
  if (c === JSON_CHARS.openBrace) {
    if (collector.isPrefix(path)) {
      readObject(reader, collector, path, depth);
    } else {
      reader.skipValue(depth);
    }
    return;
  }
  if (c === JSON_CHARS.openBracket) {
    if (slot >= 0 || collector.isPrefix(path)) {
      readArray(reader, collector, path, depth);
    } else {
      reader.skipValue(depth);
    }
    return;
  }
  if (slot < 0) {
    reader.skipValue(depth);
    return;
  }
  if (c === JSON_CHARS.quote) {
    collector.emit(slot, KIND_STRING, reader.readString());
  } else if (c === JSON_CHARS.minus || (c >= JSON_CHARS.zero && c <= JSON_CHARS.nine)) {
    collector.emit(slot, KIND_NUMBER, reader.readNumberText());
  } else {
    const keyword = reader.readKeyword();
    collector.emit(slot, keyword === null ? KIND_NULL : keyword ? KIND_TRUE : KIND_FALSE, String(keyword));
  }
}

function readArray(reader: JsonReader, collector: Collector, path: string, depth: number): void {
  reader.enter(depth);
  reader.pos++;
  if (reader.peek() === JSON_CHARS.closeBracket) {
    reader.pos++;
    return;
  }
  const arrayId = collector.nextArrayId++;
  const membership = collector.membership;
  collector.hasMembership = true;
  for (let index = 0; ; index++) {
    membership.push(arrayId, index);
    readValue(reader, collector, path, depth + 1);
    membership.length -= 2;
    if (!reader.afterMember(JSON_CHARS.closeBracket)) {
      return;
    }
  }
}

/** Flattens an already-parsed event (JSON.stringify's view of it: toJSON, undefined members dropped). */
export function flattenEventValue(event: unknown, index: PathIndex): FlatEvent {
  const collector = new Collector(index);
  const root = jsonView(event);
  if (isPlainObject(root)) {
    walkObject(root, collector, '', new Set<object>(), 0);
  }
  return collector.finish();
}

function walkObject(
  object: object,
  collector: Collector,
  path: string,
  ancestors: Set<object>,
  depth: number,
): void {
  enterObject(object, ancestors, depth);
  for (const key of Object.keys(object)) {
    const childPath = collector.childPath(path, key);
    walkValue((object as Record<string, unknown>)[key], collector, childPath, ancestors, depth + 1, false);
  }
  ancestors.delete(object);
}

function walkValue(
  raw: unknown,
  collector: Collector,
  path: string,
  ancestors: Set<object>,
  depth: number,
  inArray: boolean,
): void {
  const value = jsonView(raw);
  if (typeof value === 'object' && value !== null) {
    if (Array.isArray(value)) {
      if (value.length > 0 && (collector.slot(path) >= 0 || collector.isPrefix(path))) {
        walkArray(value, collector, path, ancestors, depth);
      }
    } else if (collector.isPrefix(path)) {
      walkObject(value, collector, path, ancestors, depth);
    }
    return;
  }
  const slot = collector.slot(path);
  if (slot < 0) {
    return;
  }
  switch (typeof value) {
    case 'string':
      collector.emit(slot, KIND_STRING, value);
      return;
    case 'number':
      if (Number.isFinite(value)) {
        collector.emit(slot, KIND_NUMBER, numberText(value));
      } else {
        collector.emit(slot, KIND_NULL, 'null');
      }
      return;
    case 'bigint':
      collector.emit(slot, KIND_NUMBER, value.toString());
      return;
    case 'boolean':
      collector.emit(slot, value ? KIND_TRUE : KIND_FALSE, String(value));
      return;
    default:
      // null; and, inside arrays, the undefined/function/symbol that JSON writes as null. Elsewhere they vanish.
      if (value === null || inArray) {
        collector.emit(slot, KIND_NULL, 'null');
      }
  }
}

function walkArray(
  array: readonly unknown[],
  collector: Collector,
  path: string,
  ancestors: Set<object>,
  depth: number,
): void {
  enterObject(array, ancestors, depth);
  const arrayId = collector.nextArrayId++;
  const membership = collector.membership;
  collector.hasMembership = true;
  for (let index = 0; index < array.length; index++) {
    membership.push(arrayId, index);
    walkValue(array[index], collector, path, ancestors, depth + 1, true);
    membership.length -= 2;
  }
  ancestors.delete(array);
}

function enterObject(value: object, ancestors: Set<object>, depth: number): void {
  if (depth >= MAX_JSON_DEPTH) {
    throw new JsonSyntaxError('JSON nested too deeply');
  }
  if (ancestors.has(value)) {
    throw new JsonSyntaxError('Event contains a cycle');
  }
  ancestors.add(value);
}

function jsonView(value: unknown): unknown {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    return (value as { toJSON: () => unknown }).toJSON();
  }
  return value;
}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
