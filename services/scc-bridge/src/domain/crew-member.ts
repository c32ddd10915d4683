import { randomBytes } from 'node:crypto';
import { PhoneNumber } from '@qdn/shared/phone';
import * as z from 'zod';

/** A person on the charter crew roster: who a job's `crewIds` name, and where their link is texted. */
export interface CrewMember {
  crewId: string;
  name: string;
  /** E.164. */
  phone: string;
  email?: string;
  /** e.g. captain, deckhand, mate. */
  role: string;
  /** Inactive members stay on old charters' records but get no new links or messages. */
  active: boolean;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  /**
   * 1 when added, one more with each change: a change is stored only over the version it was made from
   * (CrewRoster.save), so an edit of a member read before someone else's change is refused (409).
   * Members stored before it have none (taken as 0).
   */
  version?: number;
}

// Request bodies for the roster API. Strict objects: an unknown field is a 400, never silently stored.
const name = z.string().trim().min(1).max(100);
const role = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z -]{0,39}$/, 'must be a role such as captain or deckhand (letters, spaces, -)');

/** `POST /crew-members`. */
export const CreateCrewMemberInput = z.strictObject({
  name,
  phone: PhoneNumber,
  email: z.email().max(254).optional(),
  role,
  active: z.boolean().default(true),
});
export type CreateCrewMemberInput = z.infer<typeof CreateCrewMemberInput>;

/** `PATCH /crew-members/{crewId}`: any subset of the fields; `email: null` clears it. */
export const UpdateCrewMemberInput = z
  .strictObject({
    name: name.optional(),
    phone: PhoneNumber.optional(),
    email: z.email().max(254).nullable().optional(),
    role: role.optional(),
    active: z.boolean().optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), {
    message: 'nothing to change',
  });
export type UpdateCrewMemberInput = z.infer<typeof UpdateCrewMemberInput>;

const CREW_ID = /^crew_[0-9a-f]{16}$/;

export const CrewIdParams = z.strictObject({
  crewId: z.string().regex(CREW_ID, 'unknown crew member'),
});

/** Server-chosen ids, valid as a job's crewIds entry (letters, digits, `_`, `-`). */
export function newCrewId(): string {
  return `crew_${randomBytes(8).toString('hex')}`;
}

/** How we address a crew member in texts and on the crew page. */
export function firstName(fullName: string): string {
  return fullName.trim().split(/\s+/)[0] ?? fullName;
}

/** The member after a PATCH (pure: the caller stores it). */
export function applyCrewMemberUpdate(
  member: CrewMember,
  input: UpdateCrewMemberInput,
  change: { at: string; by: string },
): CrewMember {
  const { email, ...rest } = input;
  const updated: CrewMember = {
    ...member,
    updatedAt: change.at,
    updatedBy: change.by,
    version: (member.version ?? 0) + 1,
  };
  for (const [field, value] of Object.entries(rest)) {
    if (value !== undefined) (updated as unknown as Record<string, unknown>)[field] = value;
  }
  if (email === null) delete updated.email;
  else if (email !== undefined) updated.email = email;
  return updated;
}
