import type { Brands } from '@qdn/shared/brands';
import type { CrewMessage, DomainEvent, JobStatus } from '@qdn/shared/events';
import type { RateLimits } from '@qdn/shared/rate-limit';
import type { ChecklistTick } from './checklist.ts';
import type { CrewMember } from './crew-member.ts';
import type { CrewMessageKind } from './crew-sms.ts';
import type { CrewView, SccEventBody } from './crew-view.ts';

export type SccAction = 'created' | 'updated' | 'deleted';

/** The bridge's own record of a charter job: the highest version handled and what SCC holds. */
export interface CharterRecord {
  jobId: string;
  brandId: string;
  serviceType: string;
  /** The highest job version handled; older deliveries are ignored. */
  version: number;
  status: JobStatus;
  crewIds: string[];
  crewView: CrewView;
  /** Date, time and end as the crew was last told (a change is a reschedule). */
  scheduleKey: string;
  sccEventId?: string;
  /** Hash of the body SCC last accepted: an unchanged crew view is no SCC call. */
  sccBodyHash?: string;
  /** The last SCC call, by job version (its SccEventSynced event is derived from it). */
  sccLastSync?: { version: number; action: SccAction; sccEventId: string };
  /** Assigned ids that are not (or no longer) active on the roster: nobody was told. */
  unavailableCrewIds: string[];
  updatedAt: string;
}

/** One crew member's magic link for one charter. */
export interface CrewLink {
  jobId: string;
  crewId: string;
  linkId: string;
  tokenHash: string;
  issuedAt: string;
  expiresAt: string;
  revokedAt?: string;
  /** The schedule this member was last texted about. */
  notifiedScheduleKey?: string;
  /** The last message sent to this member about this charter (its CrewNotified is derived from it). */
  lastMessage?: { version: number; kind: CrewMessageKind; messageId: string; at: string };
}

/** What SCC holds for a charter, recorded right after each SCC call (before the version is complete). */
export type SccState = Pick<CharterRecord, 'sccEventId' | 'sccBodyHash' | 'sccLastSync'>;

/** What `claim` finds: the charter, its links and SCC state, or why this delivery has nothing to do. */
export type CharterClaim =
  | {
      kind: 'claimed';
      charter: CharterRecord | undefined;
      links: CrewLink[];
      scc: SccState;
      leaseToken: string;
    }
  /** The job version was already handled (a duplicate, a replay, or an older version arriving late). */
  | { kind: 'stale'; handledVersion: number }
  /** Another delivery of this job is being handled right now: retry later. */
  | { kind: 'busy' };

/** The crew roster (the bridge's own table). */
export interface CrewRoster {
  create(member: CrewMember): Promise<void>;
  get(crewId: string): Promise<CrewMember | undefined>;
  list(): Promise<CrewMember[]>;
  /**
   * A changed member (applyCrewMemberUpdate), stored only over the version it was made from
   * (`member.version - 1`, absent for 0); otherwise a ConflictError (409) and nothing written.
   */
  save(member: CrewMember): Promise<void>;
  getMany(crewIds: readonly string[]): Promise<Map<string, CrewMember>>;
}

/**
 * The bridge's charters, links and checklists. A job's deliveries are handled one at a time: `claim`
 * takes a short lease on the charter for one version (conditional on that version being newer than
 * what was handled), `complete` records the result and lets go, `release` lets go after a failure.
 */
export interface CharterStore {
  claim(jobId: string, version: number, now: Date, leaseMs: number): Promise<CharterClaim>;
  /** Ends the lease without completing (the sync failed), so a retry can claim at once. */
  release(jobId: string, leaseToken: string): Promise<void>;
  /** Stores the charter as handled at its version; a TransientError if the lease was lost meanwhile. */
  complete(charter: CharterRecord, leaseToken: string): Promise<void>;
  recordSccSync(jobId: string, scc: SccState): Promise<void>;
  /** Stores a new link and its token lookup; a replaced link's lookup goes. */
  saveLink(link: CrewLink, replacedTokenHash?: string): Promise<void>;
  extendLink(link: CrewLink, expiresAt: string): Promise<void>;
  recordMessage(
    link: CrewLink,
    message: NonNullable<CrewLink['lastMessage']>,
    notifiedScheduleKey: string | undefined,
  ): Promise<void>;
  revokeLink(link: CrewLink, at: string): Promise<void>;
  /** The link a token hash was issued for, or undefined. */
  findToken(tokenHash: string): Promise<{ jobId: string; crewId: string; linkId: string } | undefined>;
  charterWithLinks(
    jobId: string,
  ): Promise<{ charter: CharterRecord | undefined; links: CrewLink[]; ticks: ChecklistTick[] }>;
  /** Sets an item's state; `changed` is false when it already was in that state. */
  tick(
    jobId: string,
    tick: Omit<ChecklistTick, 'revision'> & { brandId: string; label: string },
  ): Promise<{ changed: boolean; tick: ChecklistTick }>;
}

/** ShipCaptainCrew's events API. */
export interface SccEvents {
  create(body: SccEventBody): Promise<{ sccEventId: string }>;
  /** 'missing' when SCC no longer has the event (someone deleted it there). */
  update(sccEventId: string, body: SccEventBody): Promise<'updated' | 'missing'>;
  /** Deleting an event SCC no longer has is done, not an error. */
  remove(sccEventId: string): Promise<void>;
}

/** Where crew messages go (the crew-notifications topic). */
export interface CrewMessenger {
  send(message: CrewMessage): Promise<void>;
}

/** Everything the bridge's commands need from outside, injected so they stay pure and testable. */
/** Per source address, per minute: crew link lookups (GET and ticks alike) and checklist ticks. */
export interface CrewLinkLimits {
  lookupsPerIpPerMinute: number;
  ticksPerIpPerMinute: number;
}

export interface BridgeContext {
  roster: CrewRoster;
  charters: CharterStore;
  scc: SccEvents;
  messenger: CrewMessenger;
  publish: (events: DomainEvent[]) => Promise<void>;
  brands: Brands;
  now: () => Date;
  /** The crew-link secret (SSM), read when a link is minted or sent and on every lookup (a rotation ends old links). */
  linkSecret: () => Promise<string>;
  /** The site base URL for a brand's links (PUBLIC_BASE_URL locally, where all brands share one site). */
  siteBaseUrl: (brandId: string) => string;
  /** How long one delivery may hold a charter (longer than the consumer's timeout). */
  leaseMs: number;
  /** How long a delivery waits for another one of the same job to finish before it is retried later. */
  busyWaitMs: number;
  /** The counters behind the public crew routes' limits (the service's counters table). */
  limits: RateLimits;
  crewLinkLimits: CrewLinkLimits;
}
