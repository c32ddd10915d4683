import type { Brands } from '@qdn/shared/brands';
import { AppError, ConflictError, NotFoundError } from '@qdn/shared/errors';
import { deliverOnce, senderOf } from './delivery.ts';
import type { FollowUpScheduler } from './follow-ups.ts';
import type { JobSnapshot, NotificationsContext, SendOutcome } from './ports.ts';
import { sendableAt } from './quiet-hours.ts';
import { renderDispatcherText } from './sms-templates.ts';

/** Twilio refused the text for good (e.g. an invalid number): the dispatcher should know why. */
export class SmsRejectedError extends AppError {
  override name = 'SmsRejectedError';
  constructor(message: string, errorCode: string | undefined) {
    super(422, message, errorCode ? [{ field: 'to', message: `Twilio error ${errorCode}` }] : undefined);
  }
}

/** The customer opted out, so a dispatcher's text was held back (409); says whose brand it was held for. */
export class CustomerOptedOutError extends ConflictError {
  override name = 'CustomerOptedOutError';
  readonly brandId: string;
  constructor(brandId: string) {
    super('The customer has opted out of texts (replied STOP)');
    this.brandId = brandId;
  }
}

/** No consent to texts is on record for the customer's number (409): the dispatcher should call instead. */
export class NoConsentError extends ConflictError {
  override name = 'NoConsentError';
  constructor() {
    super(
      'No consent to texts is on record for this number: call the customer, or record their consent on the job',
    );
  }
}

/** A dispatcher's text to a job's customer: its words, the request's id (sent once), who sent it. */
export interface DispatcherText {
  jobId: string;
  text: string;
  requestId: string;
  dispatcherId: string;
  /** It can wait: outside the brand's sending hours it is held until they open. */
  nonUrgent?: boolean | undefined;
}

/**
 * A dispatcher texts a job's customer: signed as the job's brand, sent once per request id (a retried
 * request sends nothing twice), and logged in the timeline like every other SMS. A non-urgent text
 * asked for in quiet hours is held (a one-time schedule) and goes out when the sending window opens.
 */
export async function textCustomerAsDispatcher(
  deps: NotificationsContext & { brands: Brands; followUps: FollowUpScheduler },
  request: DispatcherText,
): Promise<{ messageSid: string; status: string } | { heldUntil: string }> {
  const job = await deps.store.job(request.jobId);
  if (!job) throw new NotFoundError('Job not found');
  const brand = deps.brands.get(job.brandId);
  const now = deps.now();
  const opens = sendableAt(now, brand);
  if (request.nonUrgent && opens > now) {
    await deps.followUps.schedule(
      {
        kind: 'dispatcher-text',
        key: dispatcherTextKey(request),
        jobId: job.jobId,
        brandId: job.brandId,
        text: request.text,
        requestId: request.requestId,
        dispatcherId: request.dispatcherId,
        dueAt: opens.toISOString(),
      },
      opens,
    );
    return { heldUntil: opens.toISOString() };
  }
  const outcome = await sendDispatcherText(deps, job, request);
  switch (outcome.state) {
    case 'sent':
      return { messageSid: outcome.messageSid, status: outcome.status };
    case 'suppressed':
      if (outcome.reason === 'no-consent') throw new NoConsentError();
      throw new CustomerOptedOutError(job.brandId);
    case 'failed':
      throw new SmsRejectedError(`Twilio refused the text: ${outcome.errorMessage}`, outcome.errorCode);
  }
}

/** A held text fell due: sent once by its request's key (its outcome is on the timeline, as any text's). */
export async function sendHeldDispatcherText(
  deps: NotificationsContext & { brands: Brands },
  held: DispatcherText,
): Promise<SendOutcome> {
  const job = await deps.store.job(held.jobId);
  if (!job) throw new NotFoundError('Job not found');
  return sendDispatcherText(deps, job, held);
}

const dispatcherTextKey = (request: Pick<DispatcherText, 'jobId' | 'requestId'>) =>
  `dispatcher:${request.jobId}:${request.requestId}`;

async function sendDispatcherText(
  deps: NotificationsContext & { brands: Brands },
  job: JobSnapshot,
  request: DispatcherText,
): Promise<SendOutcome> {
  const brand = deps.brands.get(job.brandId);
  // One read says whether the number may be texted and whether it was before (the opt-out line).
  const permission = await deps.store.textingPermission(job.phone, job.brandId);
  const rendered = renderDispatcherText(request.text, brand, { firstToNumber: !permission.texted });
  return deliverOnce(
    deps,
    {
      key: dispatcherTextKey(request),
      brandId: job.brandId,
      jobId: job.jobId,
      to: job.phone,
      body: rendered.body,
      template: 'dispatcher',
      audience: 'customer',
      sender: senderOf(brand),
      numberTexted: permission.texted,
    },
    { permission },
  );
}
