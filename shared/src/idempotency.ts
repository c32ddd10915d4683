import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailure, itemOfConditionFailure } from './dynamo.ts';
import { TransientError } from './errors.ts';

/*
 * The one idempotency primitive (issue 21): every consumer whose side effect leaves our tables — an SMS
 * to Twilio, a push to the internal calendar, a charter to ShipCaptainCrew — claims a lease on one item
 * before acting and completes it after, so a redelivery, a redrive or a replay a month later acts once.
 *
 * Why ours and not Powertools idempotency (`makeIdempotent`), which ARCHITECTURE.md names: measured on
 * the SMS path, Powertools keeps its own record (INPROGRESS put + COMPLETED update) beside the message
 * record we must keep anyway (the timeline's outbox and the message log), so an SMS would cost three
 * writes instead of two; it deletes its record when the function throws, so "this attempt may have
 * reached Twilio" (a timeout) would need a second store; and its key is exact, while calendar pushes and
 * charter syncs are "this version or any later one": an older version arriving late must do nothing,
 * which a per-version key cannot say. The item here is the service's own record (the SMS record, the
 * push ledger, the charter), so the lease costs no extra item and no extra call.
 *
 * One item, keyed by the caller, holds:
 *   <versionAttribute>  the highest version done (a claim for it or an older one answers `done`)
 *   leaseToken          the attempt holding the lease (absent when none does)
 *   leaseUntil          epoch ms after which another attempt may take over (covers the side effect's timeout)
 *   attempts            how many leases were taken: 1 on a first attempt
 *   uncertain           the last attempt may have had its effect (released after an ambiguous failure)
 */

/** An item of the ledger, unmarshalled. */
export type LedgerItem = Record<string, unknown>;

export type LeaseClaim =
  /** This attempt holds the lease. `previous` is the item before the claim (absent on a first attempt). */
  | { kind: 'claimed'; leaseToken: string; previous: LedgerItem | undefined; uncertain: boolean }
  /** This version (or a later one) is already done: `item` is what completed it. */
  | { kind: 'done'; item: LedgerItem }
  /** Another attempt holds a live lease. */
  | { kind: 'busy'; item: LedgerItem };

export type Completion =
  | { kind: 'completed'; item: LedgerItem }
  /** Another attempt recorded this version (or a later one) first: `item` is what it stored. */
  | { kind: 'already-done'; item: LedgerItem };

/**
 * Attributes an update sets: `set` always, `setIfAbsent` only where the item has none yet, `append` at the
 * end of a list (created when absent): a log such as each failed attempt of an SMS.
 */
export interface ItemFields {
  set?: LedgerItem;
  setIfAbsent?: LedgerItem;
  append?: Record<string, readonly unknown[]>;
}

export interface LedgerOptions {
  table: string;
  /** Where the highest version done is kept (default `doneVersion`). A one-off effect uses version 1. */
  versionAttribute?: string;
}

/** Builds an update expression with placeholder names and values (reserved words need no care). */
class Update {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  readonly #sets: string[] = [];
  readonly #removes: string[] = [];

  name(attribute: string): string {
    const placeholder = `#${Object.keys(this.names).length}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  value(value: unknown): string {
    const placeholder = `:${Object.keys(this.values).length}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  set(attribute: string, value: unknown): this {
    if (value !== undefined) this.#sets.push(`${this.name(attribute)} = ${this.value(value)}`);
    return this;
  }

  setIfAbsent(attribute: string, value: unknown): this {
    if (value === undefined) return this;
    const name = this.name(attribute);
    this.#sets.push(`${name} = if_not_exists(${name}, ${this.value(value)})`);
    return this;
  }

  fields(fields: ItemFields): this {
    for (const [attribute, value] of Object.entries(fields.set ?? {})) this.set(attribute, value);
    for (const [attribute, value] of Object.entries(fields.setIfAbsent ?? {}))
      this.setIfAbsent(attribute, value);
    for (const [attribute, values] of Object.entries(fields.append ?? {})) {
      if (values.length === 0) continue;
      const name = this.name(attribute);
      this.#sets.push(
        `${name} = list_append(if_not_exists(${name}, ${this.value([])}), ${this.value([...values])})`,
      );
    }
    return this;
  }

  raw(expression: string): this {
    this.#sets.push(expression);
    return this;
  }

  remove(...attributes: string[]): this {
    this.#removes.push(...attributes.map((attribute) => this.name(attribute)));
    return this;
  }

  expression(): string {
    return [
      this.#sets.length > 0 ? `SET ${this.#sets.join(', ')}` : '',
      this.#removes.length > 0 ? `REMOVE ${this.#removes.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
  }
}

/**
 * Leases on the items of one table. Every write is one conditional UpdateItem that returns what it
 * replaced or what stopped it, so a claim, a release and a completion are one call each, with a read only
 * where the store did not return the item.
 *
 * @example
 * const ledger = new IdempotencyLedger(client, { table, versionAttribute: 'pushedVersion' });
 * const claim = await ledger.claim(key, job.version, { now, leaseMs: 30_000 });
 * if (claim.kind === 'claimed') {
 *   try { await pushToCalendar(); } catch (error) { await ledger.release(key, claim.leaseToken); throw error; }
 *   await ledger.complete(key, job.version, { leaseToken: claim.leaseToken, set: { pushedAt } });
 * }
 */
export class IdempotencyLedger {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #versionAttribute: string;

  constructor(client: DynamoDBDocumentClient, options: LedgerOptions) {
    this.#client = client;
    this.#table = options.table;
    this.#versionAttribute = options.versionAttribute ?? 'doneVersion';
  }

  /**
   * Takes the lease for `version` unless that version (or a later one) is done or another attempt's lease
   * is live. `fields` are written with the claim (`setIfAbsent` keeps a first attempt's values: the body
   * first sent, when it was first tried).
   */
  async claim(
    key: Record<string, unknown>,
    version: number,
    options: { now: Date; leaseMs: number } & ItemFields,
  ): Promise<LeaseClaim> {
    const leaseToken = randomUUID();
    const update = new Update()
      .set('leaseToken', leaseToken)
      .set('leaseUntil', options.now.getTime() + options.leaseMs)
      .fields(options);
    const attempts = update.name('attempts');
    update.raw(`${attempts} = if_not_exists(${attempts}, ${update.value(0)}) + ${update.value(1)}`);
    const done = update.name(this.#versionAttribute);
    const until = update.name('leaseUntil');
    const answer = await this.#write(
      key,
      update,
      `(attribute_not_exists(${done}) OR ${done} < ${update.value(version)}) AND (attribute_not_exists(${until}) OR ${until} < ${update.value(options.now.getTime())})`,
      'ALL_OLD',
    );
    if (answer.kind === 'refused') {
      const { item } = answer;
      return this.#isDone(item, version) ? { kind: 'done', item } : { kind: 'busy', item };
    }
    const previous = answer.item;
    // A lease still on the item was never released nor completed: that attempt crashed or timed out in
    // the middle, so its effect may have happened.
    const uncertain = previous?.uncertain === true || previous?.leaseToken !== undefined;
    return { kind: 'claimed', leaseToken, previous, uncertain };
  }

  /**
   * Ends a lease without completing (the effect failed), so a retry can claim at once. `uncertain`: the
   * effect may have happened anyway (a timeout), which the next claim reports.
   */
  async release(
    key: Record<string, unknown>,
    leaseToken: string,
    options: { uncertain?: boolean } & ItemFields = {},
  ) {
    const update = new Update().remove('leaseToken', 'leaseUntil').fields(options);
    if (options.uncertain) update.set('uncertain', true);
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: key,
          UpdateExpression: update.expression(),
          ConditionExpression: `${update.name('leaseToken')} = ${update.value(leaseToken)}`,
          ExpressionAttributeNames: update.names,
          ExpressionAttributeValues: update.values,
        }),
      );
    } catch (error) {
      // The lease lapsed and another attempt holds it: theirs to end.
      if (!isConditionalCheckFailure(error)) throw error;
    }
  }

  /**
   * Records `version` as done with `fields`, ending the lease `leaseToken`. When the lease was lost (it
   * lapsed while the effect was under way and another attempt took it), `whenLeaseLost` decides:
   * `record` stores the version anyway unless a later one is stored (the effect did happen; the other
   * attempt's lease is left alone), `retry` throws a TransientError so the message is tried again.
   * Without a lease token (an outcome recorded without any attempt), it records unless done.
   */
  async complete(
    key: Record<string, unknown>,
    version: number,
    options: { leaseToken?: string; whenLeaseLost: 'record' | 'retry' } & ItemFields,
  ): Promise<Completion> {
    if (options.leaseToken) {
      const update = new Update()
        .set(this.#versionAttribute, version)
        .fields(options)
        .remove('leaseToken', 'leaseUntil', 'uncertain');
      const answer = await this.#write(
        key,
        update,
        `${update.name('leaseToken')} = ${update.value(options.leaseToken)} AND ${this.#notDone(update, version)}`,
      );
      if (answer.kind === 'written') return { kind: 'completed', item: answer.item ?? {} };
      if (this.#isDone(answer.item, version)) return { kind: 'already-done', item: answer.item };
      if (options.whenLeaseLost === 'retry') {
        throw new TransientError(`Lost the lease on ${JSON.stringify(key)} before completing; retrying`);
      }
    }
    const update = new Update().set(this.#versionAttribute, version).fields(options);
    const answer = await this.#write(key, update, this.#notDone(update, version));
    return answer.kind === 'written'
      ? { kind: 'completed', item: answer.item ?? {} }
      : { kind: 'already-done', item: answer.item };
  }

  #notDone(update: Update, version: number): string {
    const done = update.name(this.#versionAttribute);
    return `(attribute_not_exists(${done}) OR ${done} < ${update.value(version)})`;
  }

  #isDone(item: LedgerItem, version: number): boolean {
    return Number(item[this.#versionAttribute] ?? Number.NEGATIVE_INFINITY) >= version;
  }

  /**
   * One conditional UpdateItem. Written: the item as `returnValues` asks (after, or before: absent when
   * there was none). Refused: the item that stopped it — returned with the refusal, read only if not.
   */
  async #write(
    key: Record<string, unknown>,
    update: Update,
    condition: string,
    returnValues: 'ALL_NEW' | 'ALL_OLD' = 'ALL_NEW',
  ): Promise<{ kind: 'written'; item: LedgerItem | undefined } | { kind: 'refused'; item: LedgerItem }> {
    try {
      const { Attributes } = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: key,
          UpdateExpression: update.expression(),
          ConditionExpression: condition,
          ExpressionAttributeNames: update.names,
          ExpressionAttributeValues: update.values,
          ReturnValues: returnValues,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'written', item: Attributes };
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      return {
        kind: 'refused',
        item: itemOfConditionFailure<LedgerItem>(error) ?? (await this.#read(key)) ?? {},
      };
    }
  }

  async #read(key: Record<string, unknown>): Promise<LedgerItem | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true }),
    );
    return Item;
  }
}
