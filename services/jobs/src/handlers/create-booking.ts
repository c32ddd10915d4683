import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { createBooking } from '../domain/job-commands.ts';
import { BookingInput } from '../domain/job-input.ts';

/** POST /bookings (public) → 201 `{ jobId, status: "requested", quote }`; limited per phone and per IP. */
export const handler = httpHandler(
  { body: BookingInput, maxBodyBytes: 8 * 1024 },
  async function createBookingRoute({ body, event }) {
    const sourceIp = event.requestContext.http.sourceIp;
    return { statusCode: 201, body: await createBooking(await jobsContext(), body, { sourceIp }) };
  },
);
