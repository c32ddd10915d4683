import * as z from 'zod';
import type { FieldError } from './errors.ts';

/*
 * The one way a store turns a DynamoDB item back into a domain record (issue 21): parse it with a zod
 * schema of the record. The object schema keeps only the record's fields, so keys, index attributes,
 * leases and TTLs never leak into the domain and no store strips them by hand; an item that does not
 * match (a hand edit, a half-migrated attribute, a bug in a writer) is a StoredRecordError naming the
 * item's key and the fields, at the read, not a wrong value three calls later.
 *
 * Cost: one safeParse per item read. Schemas check shapes and types (strings, numbers, enums), not
 * formats: everything stored was validated on its way in, and the reads sit on hot paths (GET /track,
 * the SMS path). Parsed without zod's JIT: compiling a job's object parsers on the first read cost a
 * cold start ~12 ms (median of 15 fresh processes), jitless ~1.2 ms, for ~4 µs more per warm read
 * (9 vs 13 µs on a loaded 2-core machine; a DynamoDB read is milliseconds). Warm reads are also
 * measured in services/jobs/test/unit/stored-job.test.ts.
 */

/**
 * A schema for each field of T, optional ones included (`-?`): a field the schema forgot would be
 * stripped from every record read, so forgetting one is a compile error. Each field's schema must
 * produce that field's type.
 */
export type RecordFields<T> = { [K in keyof T]-?: z.ZodType<T[K]> };

/**
 * The other direction: every value of the field's type must parse (a schema narrower than its field,
 * `z.string()` for an optional field or an enum missing a member, would fail reads of good records),
 * and no field T doesn't have. A field that breaks either is typed `never` and named in the compile error.
 * Checked against what the schema accepts (its input), so a `.default()` may still fill in an absent field.
 */
type AcceptsEveryValue<T, S> = {
  [K in keyof S]: K extends keyof T ? ([T[K]] extends [z.input<S[K]>] ? S[K] : never) : never;
};

/**
 * A zod object for a stored T, checked against T's interface at compile time in both directions:
 * the schema names every field of T and no other, and each field's schema produces exactly that
 * field's type. Unknown attributes are stripped on parse. Use it for nested objects too, so their
 * fields are checked the same way. (Curried: T is given, the shape's own type is inferred.)
 *
 * @example recordFields<FeedKeyRecord>()({ calendarId: z.string(), keyHash: z.string(), issuedAt: z.string(), issuedBy: z.string() })
 */
export function recordFields<T>() {
  return function recordSchema<S extends RecordFields<T>>(fields: S & AcceptsEveryValue<T, S>): z.ZodType<T> {
    // The two mapped types above are what make this sound; zod cannot infer T back from them.
    return z.object(fields as z.ZodRawShape) as unknown as z.ZodType<T>;
  };
}

/** A stored item that does not match its record's schema: its key and what is wrong, never its values. */
export class StoredRecordError extends Error {
  override name = 'StoredRecordError';
  /** The item's key attributes, as stored (e.g. `{ pk: 'JOB#qdn_1', sk: 'JOB' }`). */
  readonly key: Record<string, unknown>;
  /** The failing fields, as dotted paths (`customer.phone`, `statusHistory.2.at`). */
  readonly fields: readonly FieldError[];

  constructor(what: string, key: Record<string, unknown>, fields: readonly FieldError[]) {
    const keyText = Object.entries(key)
      .map(([name, value]) => `${name}=${String(value)}`)
      .join(' ');
    super(
      `Stored ${what} (${keyText}) does not match its schema: ${fields
        .map((problem) => `${problem.field}: ${problem.message}`)
        .join('; ')}`,
    );
    this.key = key;
    this.fields = fields;
  }
}

const JITLESS = { jitless: true } as const;

export interface StoredRecordOptions {
  /** The attributes that make up the item's key, for the error (default `pk`, `sk`). */
  key?: readonly string[];
  /**
   * Attributes stored as null mean "known absent" (an update that sets every fact, found or not):
   * read them as absent fields rather than as nulls.
   */
  nullIsAbsent?: boolean;
}

/**
 * The mapper from a stored item to its domain record: parses the item with `schema` (which drops
 * keys and every other attribute the record does not have) and throws a StoredRecordError naming the
 * item's key and the failing fields when the item does not match.
 *
 * @example
 * const storedJob = storedRecord('job', recordFields<JobRecord>()({ ... }));
 * const job = storedJob(Item); // JobRecord, or StoredRecordError: Stored job (pk=JOB#1 sk=JOB) ...
 */
export function storedRecord<T>(
  what: string,
  schema: z.ZodType<T>,
  options: StoredRecordOptions = {},
): (item: Record<string, unknown>) => T {
  const keyAttributes = options.key ?? ['pk', 'sk'];
  return function readStoredRecord(item) {
    const input = options.nullIsAbsent
      ? Object.fromEntries(Object.entries(item).filter(([, value]) => value !== null))
      : item;
    const result = schema.safeParse(input, JITLESS);
    if (result.success) return result.data;
    throw new StoredRecordError(
      what,
      Object.fromEntries(keyAttributes.map((name) => [name, item[name]])),
      result.error.issues.map((issue) => ({
        field: issue.path.map(String).join('.') || '(item)',
        message: issue.message,
      })),
    );
  };
}
