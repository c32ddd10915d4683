import type { Brands } from '@qdn/shared/brands';
import { AppError, ConflictError, NotFoundError } from '@qdn/shared/errors';
import { deliverOnce, senderOf } from './delivery.ts';
import type { NotificationsDeps } from './ports.ts';
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

/**
 * A dispatcher texts a job's customer: signed as the job's brand, sent once per request id (a retried
 * request sends nothing twice), and logged in the timeline like every other SMS.
 */
export async function textCustomerAsDispatcher(
  deps: NotificationsDeps & { brands: Brands },
  request: { jobId: string; text: string; requestId: string; dispatcherId: string },
): Promise<{ messageSid: string; status: string }> {
  const job = await deps.store.job(request.jobId);
  if (!job) throw new NotFoundError('Job not found');
  const brand = deps.brands.get(job.brandId);
  const rendered = renderDispatcherText(request.text, brand, {
    firstToNumber: !(await deps.store.hasTexted(job.phone)),
  });
  const outcome = await deliverOnce(deps, {
    key: `dispatcher:${request.jobId}:${request.requestId}`,
    brandId: job.brandId,
    jobId: job.jobId,
    to: job.phone,
    body: rendered.body,
    template: 'dispatcher',
    audience: 'customer',
    sender: senderOf(brand),
  });
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
