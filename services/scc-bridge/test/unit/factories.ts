import { jobOnBus, MemoryRateLimits, testBrands } from '@qdn/local-cloud/test-factories';
import { ConflictError } from '@qdn/shared/errors';
import type { CrewMessage, DomainEvent, EventMeta, JobOnBus } from '@qdn/shared/events';
import { type ChecklistTick, type StoredTick, tickEventsOf } from '../../src/domain/checklist.ts';
import type { CrewMember } from '../../src/domain/crew-member.ts';
import type { SccEventBody } from '../../src/domain/crew-view.ts';
import type {
  BridgeContext,
  CharterClaim,
  CharterRecord,
  CharterStore,
  CrewLink,
  CrewRoster,
  SccEvents,
  SccState,
} from '../../src/domain/ports.ts';

// Test factories and in-memory ports for the bridge's domain: pure code is exercised end to end with
// no AWS (the DynamoDB, SCC and SNS adapters are tested against the local cloud in test/integration).

export const brands = testBrands;
export const jada = brands.get('jada');

export const member = (
  crewId: string,
  name: string,
  role = 'deckhand',
  overrides: Partial<CrewMember> = {},
) =>
  ({
    crewId,
    name,
    phone: '+16195550177',
    role,
    active: true,
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    updatedBy: 'admin-1',
    ...overrides,
  }) satisfies CrewMember;

/** The shared job (@qdn/local-cloud/test-factories) as Ana Ruiz's JADA charter with two crew and notes. */
export const charterJob = (overrides: Partial<JobOnBus> = {}): JobOnBus =>
  jobOnBus({
    jobId: 'qdn_01JCHARTER000000000000000',
    brandId: 'jada',
    version: 1,
    serviceType: 'charter',
    customer: { name: 'Ana Ruiz', firstName: 'Ana', phone: '+16195550150' },
    address: { text: 'Harbor Island West Marina' },
    schedule: { date: '2026-07-04', time: '17:30' },
    crewIds: ['crew_a', 'crew_b'],
    priceCents: 187654,
    notes: 'Gate code 4471; customer cell 619-555-0199',
    crewNotes: 'Birthday party, cake on board',
    charter: { vessel: 'JADA', meetingPoint: 'Dock C', guestCount: 6, durationMinutes: 180 },
    ...overrides,
  });

export const metaOf = (job: JobOnBus): EventMeta => ({
  eventId: `${job.jobId}:${job.version}:JobCreated`,
  occurredAt: '2026-06-01T12:00:00.000Z',
  brandId: job.brandId,
  jobId: job.jobId,
  version: job.version,
  correlationId: 'corr-1',
  schemaVersion: 1,
});

/** The bridge's table in memory, with the same rules as the DynamoDB adapter (lease, version, tokens). */
export class MemoryCharterStore implements CharterStore {
  charters = new Map<string, CharterRecord>();
  leases = new Map<string, { token: string; until: number }>();
  #tokens = 0;
  links = new Map<string, CrewLink>();
  tokens = new Map<string, { jobId: string; crewId: string; linkId: string }>();
  ticks = new Map<string, StoredTick>();
  readonly #stream: (before: StoredTick | undefined, after: StoredTick) => void;

  /** `stream` sees each tick write as the crew table's stream would (before, after). */
  constructor(stream: (before: StoredTick | undefined, after: StoredTick) => void = () => {}) {
    this.#stream = stream;
  }

  async claim(jobId: string, version: number, now: Date, leaseMs: number): Promise<CharterClaim> {
    const charter = this.charters.get(jobId);
    if (charter && charter.version >= version) return { kind: 'stale', handledVersion: charter.version };
    const lease = this.leases.get(jobId);
    if (lease && lease.until >= now.getTime()) return { kind: 'busy' };
    const leaseToken = `lease-${++this.#tokens}`;
    this.leases.set(jobId, { token: leaseToken, until: now.getTime() + leaseMs });
    const scc = this.scc.get(jobId) ?? {};
    return {
      kind: 'claimed',
      charter: structuredClone(charter),
      links: this.linksOf(jobId),
      scc,
      leaseToken,
    };
  }
  async release(jobId: string, leaseToken: string) {
    if (this.leases.get(jobId)?.token === leaseToken) this.leases.delete(jobId);
  }
  async complete(charter: CharterRecord, leaseToken: string) {
    if (this.leases.get(charter.jobId)?.token !== leaseToken) throw new Error('lease lost');
    this.leases.delete(charter.jobId);
    this.charters.set(charter.jobId, structuredClone(charter));
  }
  /** SCC state as the adapter keeps it on the charter item, apart from the completed record. */
  scc = new Map<string, SccState>();
  async recordSccSync(jobId: string, scc: SccState) {
    this.scc.set(jobId, structuredClone(scc));
  }

  async saveLink(link: CrewLink, replacedTokenHash?: string) {
    this.links.set(`${link.jobId}/${link.crewId}`, structuredClone(link));
    this.tokens.set(link.tokenHash, { jobId: link.jobId, crewId: link.crewId, linkId: link.linkId });
    if (replacedTokenHash && replacedTokenHash !== link.tokenHash) this.tokens.delete(replacedTokenHash);
  }
  async extendLink(link: CrewLink, expiresAt: string) {
    this.links.set(`${link.jobId}/${link.crewId}`, {
      ...this.links.get(`${link.jobId}/${link.crewId}`)!,
      expiresAt,
    });
  }
  async recordMessage(
    link: CrewLink,
    message: NonNullable<CrewLink['lastMessage']>,
    key: string | undefined,
  ) {
    const stored = this.links.get(`${link.jobId}/${link.crewId}`)!;
    this.links.set(`${link.jobId}/${link.crewId}`, {
      ...stored,
      lastMessage: message,
      ...(key ? { notifiedScheduleKey: key } : {}),
    });
  }
  async revokeLink(link: CrewLink, at: string) {
    const stored = this.links.get(`${link.jobId}/${link.crewId}`)!;
    this.links.set(`${link.jobId}/${link.crewId}`, { ...stored, revokedAt: at });
    this.tokens.delete(link.tokenHash);
  }
  async findToken(tokenHash: string) {
    return this.tokens.get(tokenHash);
  }
  async charterWithLinks(jobId: string) {
    return {
      charter: structuredClone(this.charters.get(jobId)),
      links: this.linksOf(jobId),
      ticks: [...this.ticks.entries()]
        .filter(([key]) => key.startsWith(`${jobId}/`))
        .map(([, tick]) => structuredClone(tick)),
    };
  }
  async tick(jobId: string, tick: Omit<ChecklistTick, 'revision'> & { brandId: string; label: string }) {
    const key = `${jobId}/${tick.itemId}`;
    const stored = this.ticks.get(key);
    if (stored && stored.done === tick.done) return { changed: false, tick: structuredClone(stored) };
    const next: StoredTick = {
      ...stored,
      ...tick,
      jobId,
      revision: (stored?.revision ?? 0) + 1,
    };
    this.ticks.set(key, next);
    this.#stream(stored, next);
    return { changed: true, tick: structuredClone(next) };
  }
  linksOf(jobId: string): CrewLink[] {
    return [...this.links.values()]
      .filter((link) => link.jobId === jobId)
      .map((link) => structuredClone(link));
  }
}

export class MemoryRoster implements CrewRoster {
  members = new Map<string, CrewMember>();
  readonly #stream: (before: CrewMember | undefined, after: CrewMember) => void;
  /** `stream` sees each write as the crew table's stream would (before, after). */
  constructor(
    members: CrewMember[] = [],
    stream: (before: CrewMember | undefined, after: CrewMember) => void = () => {},
  ) {
    for (const one of members) this.members.set(one.crewId, one);
    this.#stream = stream;
  }
  async create(one: CrewMember) {
    this.members.set(one.crewId, one);
    this.#stream(undefined, one);
  }
  async get(crewId: string) {
    return this.members.get(crewId);
  }
  async list() {
    return [...this.members.values()];
  }
  async save(one: CrewMember) {
    const before = this.members.get(one.crewId);
    // As the table's conditional put: only over the version the change was made from.
    if (!before || (before.version ?? 0) !== (one.version ?? 1) - 1)
      throw new ConflictError('The crew member was changed since you loaded them; load them again');
    this.members.set(one.crewId, one);
    this.#stream(before, one);
  }
  async getMany(crewIds: readonly string[]) {
    return new Map(crewIds.filter((id) => this.members.has(id)).map((id) => [id, this.members.get(id)!]));
  }
}

export class RecordingScc implements SccEvents {
  calls: { method: string; sccEventId?: string; body?: SccEventBody }[] = [];
  events = new Map<string, SccEventBody>();
  failNext: Error | undefined;
  #next = 1;
  #check() {
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
  }
  async create(body: SccEventBody) {
    this.calls.push({ method: 'POST', body });
    this.#check();
    const sccEventId = `evt_${this.#next++}`;
    this.events.set(sccEventId, body);
    return { sccEventId };
  }
  async update(sccEventId: string, body: SccEventBody) {
    this.calls.push({ method: 'PUT', sccEventId, body });
    this.#check();
    if (!this.events.has(sccEventId)) return 'missing' as const;
    this.events.set(sccEventId, body);
    return 'updated' as const;
  }
  async remove(sccEventId: string) {
    this.calls.push({ method: 'DELETE', sccEventId });
    this.#check();
    this.events.delete(sccEventId);
  }
}

/** A BridgeContext over in-memory ports; `sent` and `published` record what went out. */
export function memoryContext(members: CrewMember[], now = new Date('2026-06-01T12:00:00.000Z')) {
  const sent: CrewMessage[] = [];
  const published: DomainEvent[] = [];
  const messenger = {
    failNext: undefined as Error | undefined,
    async send(message: CrewMessage) {
      const failure = messenger.failNext;
      messenger.failNext = undefined;
      if (failure) throw failure;
      sent.push(message);
    },
  };
  const context = {
    roster: new MemoryRoster(members),
    // What the crew table's stream publisher would publish for each tick write (tickEventsOf).
    charters: new MemoryCharterStore((before, after) => void published.push(...tickEventsOf(before, after))),
    scc: new RecordingScc(),
    messenger,
    publish: async (events: DomainEvent[]) => {
      published.push(...events);
    },
    brands,
    now: () => now,
    linkSecret: async () => 'test-secret',
    siteBaseUrl: () => 'https://crew.example.test',
    leaseMs: 15_000,
    busyWaitMs: 0,
    limits: new MemoryRateLimits(),
    crewLinkLimits: { lookupsPerIpPerMinute: 60, ticksPerIpPerMinute: 60 },
  } satisfies BridgeContext;
  return { context, sent, published, messenger };
}
