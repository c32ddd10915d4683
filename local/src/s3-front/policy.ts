// The POST policy: decoding it and checking a form against it, as S3 does for browser uploads. Pure code
// (no I/O, the clock passed in) so every rule is unit-tested. The front calls it once all fields before
// the file are known; the file's size is checked against the returned range while it streams.

import {
  entityTooLarge,
  entityTooSmall,
  extraInputFields,
  invalidPolicyDocument,
  policyConditionFailed,
  policyExpired,
} from './errors.ts';

/** One condition of a policy; field names lower-cased, since S3 matches form field names without case. */
export type PolicyCondition =
  | { kind: 'eq'; field: string; value: string; text: string }
  | { kind: 'starts-with'; field: string; value: string; text: string }
  | { kind: 'content-length-range'; min: number; max: number; text: string };

/** A decoded POST policy. */
export interface PostPolicy {
  expiration: Date;
  conditions: PolicyCondition[];
}

/** Allowed file sizes in bytes, both ends inclusive. */
export interface ContentLengthRange {
  min: number;
  max: number;
}

/** The form as the policy sees it. */
export interface PolicyForm {
  /** The bucket from the request path: `$bucket` conditions are checked against it. */
  bucket: string;
  /**
   * Every form field before the file except `file`, by lower-cased name; `key` with `${filename}`
   * already replaced.
   */
  fields: ReadonlyMap<string, string>;
}

/** Fields S3 never requires a condition for. */
const UNCONDITIONED_FIELDS = new Set(['policy', 'x-amz-signature', 'file']);
const IGNORED_FIELD_PREFIX = 'x-ignore-';
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * Decodes the form's `Policy` field (base64 JSON). Throws `InvalidPolicyDocument` when it is not a policy.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */
export function decodePostPolicy(base64Policy: string): PostPolicy {
  const compact = base64Policy.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw invalidPolicyDocument('Invalid JSON.');
  }
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(compact, 'base64').toString('utf8'));
  } catch {
    throw invalidPolicyDocument('Invalid JSON.');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw invalidPolicyDocument('Invalid JSON.');
  }
  const { expiration, conditions } = document as Record<string, unknown>;
  if (expiration === undefined) throw invalidPolicyDocument('Policy missing expiration.');
  if (typeof expiration !== 'string' || !ISO_8601.test(expiration) || Number.isNaN(Date.parse(expiration))) {
    throw invalidPolicyDocument(`Invalid 'expiration' value: '${String(expiration)}'`);
  }
  if (conditions === undefined) throw invalidPolicyDocument('Policy missing conditions.');
  if (!Array.isArray(conditions)) throw invalidPolicyDocument("Invalid 'conditions' value: must be a list.");
  return { expiration: new Date(expiration), conditions: conditions.flatMap(parseCondition) };
}

function parseCondition(condition: unknown): PolicyCondition[] {
  if (Array.isArray(condition)) return [parseListCondition(condition)];
  if (typeof condition !== 'object' || condition === null) {
    throw invalidPolicyDocument(`Invalid Condition: ${JSON.stringify(condition)}`);
  }
  // `{"acl": "public-read"}` is the short form of `["eq", "$acl", "public-read"]`.
  return Object.entries(condition).map(function exactMatch([name, value]): PolicyCondition {
    if (typeof value !== 'string') {
      throw invalidPolicyDocument(
        `Invalid Simple-Condition: value must be a string: ${JSON.stringify(value)}`,
      );
    }
    return { kind: 'eq', field: name.toLowerCase(), value, text: conditionText(['eq', `$${name}`, value]) };
  });
}

function parseListCondition(condition: unknown[]): PolicyCondition {
  const [operator, first, second] = condition;
  if (condition.length !== 3 || typeof operator !== 'string') {
    throw invalidPolicyDocument(`Invalid Condition: ${JSON.stringify(condition)}`);
  }
  const text = conditionText(condition);
  switch (operator.toLowerCase()) {
    case 'eq':
    case 'starts-with': {
      if (
        typeof first !== 'string' ||
        !first.startsWith('$') ||
        first.length < 2 ||
        typeof second !== 'string'
      ) {
        throw invalidPolicyDocument(`Invalid Condition: ${JSON.stringify(condition)}`);
      }
      const kind = operator.toLowerCase() === 'eq' ? 'eq' : 'starts-with';
      return { kind, field: first.slice(1).toLowerCase(), value: second, text };
    }
    case 'content-length-range': {
      const min = byteCount(first);
      const max = byteCount(second);
      if (min === undefined || max === undefined) {
        throw invalidPolicyDocument(`Invalid content-length-range: ${JSON.stringify(condition)}`);
      }
      return { kind: 'content-length-range', min, max, text };
    }
    default:
      throw invalidPolicyDocument(`Invalid Condition: unknown operation '${operator}'`);
  }
}

function byteCount(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

/** A condition as S3 prints it in errors: `["eq", "$key", "a.jpg"]`. */
function conditionText(condition: readonly unknown[]): string {
  return `[${condition.map((item) => JSON.stringify(item)).join(', ')}]`;
}

/**
 * Checks a form against a policy: expiration first, then every condition in the policy's order, then that
 * every field is covered by a condition. Returns the allowed file size range (undefined when the policy
 * sets none) for the caller to check the file against with `checkContentLength`. Throws the `S3Error` S3
 * would answer.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */
export function checkPostPolicy(
  policy: PostPolicy,
  form: PolicyForm,
  now: Date,
): ContentLengthRange | undefined {
  if (now.getTime() > policy.expiration.getTime()) throw policyExpired();
  let range: ContentLengthRange | undefined;
  for (const condition of policy.conditions) {
    if (condition.kind === 'content-length-range') {
      // Several ranges all apply: the allowed sizes are their intersection.
      range = range
        ? { min: Math.max(range.min, condition.min), max: Math.min(range.max, condition.max) }
        : { min: condition.min, max: condition.max };
      continue;
    }
    if (!conditionHolds(condition, fieldValue(form, condition.field))) {
      throw policyConditionFailed(condition.text);
    }
  }
  const covered = new Set(
    policy.conditions.map((condition) => ('field' in condition ? condition.field : '')),
  );
  const uncovered = [...form.fields.keys()].filter(
    (name) => !UNCONDITIONED_FIELDS.has(name) && !name.startsWith(IGNORED_FIELD_PREFIX) && !covered.has(name),
  );
  if (uncovered.length > 0) throw extraInputFields(uncovered);
  return range;
}

/** Checks the file's real size against the policy's range. */
export function checkContentLength(range: ContentLengthRange | undefined, size: number): void {
  if (!range) return;
  if (size > range.max) throw entityTooLarge(size, range.max);
  if (size < range.min) throw entityTooSmall(size, range.min);
}

function fieldValue(form: PolicyForm, field: string): string {
  if (field === 'bucket') return form.bucket;
  // An absent field compares as empty: `["starts-with", "$x", ""]` ("any value") holds, `{"x": "v"}` fails.
  return form.fields.get(field) ?? '';
}

function conditionHolds(condition: PolicyCondition, value: string): boolean {
  if (condition.kind === 'eq') return value === condition.value;
  if (condition.kind !== 'starts-with') return true;
  if (condition.field === 'content-type') {
    // A Content-Type may list several types; each must start with the prefix, so a prefix of `image/`
    // cannot be satisfied by `image/png, text/html`.
    return value.split(',').every((type) => type.trim().startsWith(condition.value));
  }
  return value.startsWith(condition.value);
}
