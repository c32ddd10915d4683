// The `/_local/` control API on the API port: health, dev tokens, and the fakes' recordings and
// fault switches, for tests and people (README "Local control API"). Local only; never deployed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FauxqsServer } from 'fauxqs';
import type { EventBridgeEmulator } from './eventbridge/emulator.ts';
import type { CalendarFake } from './fakes/calendar.ts';
import type { CloudFrontFake } from './fakes/cloudfront.ts';
import type { JsonApiFake } from './fakes/http-fake.ts';
import type { SccFake } from './fakes/scc.ts';
import type { StaticMapFake } from './fakes/static-map.ts';
import type { StripeFake } from './fakes/stripe.ts';
import type { TwilioFake } from './fakes/twilio.ts';
import type { InvocationLog } from './runtime/functions.ts';
import type { SchedulerEmulator } from './scheduler/emulator.ts';

export interface ControlContext {
  endpoints: {
    dynamodb: string;
    sqs: string;
    sns: string;
    s3: string;
    events: string;
    scheduler: string;
    ssm: string;
    cloudfront: string;
    location: string;
  };
  /**
   * The access key the cloud's clients sign with (secret `local`): `local`, or the cloud's own when it
   * shares a DynamoDB Local with others and sees only the tables made under its key.
   */
  accessKeyId: string;
  twilio: TwilioFake;
  cloudfront: Pick<CloudFrontFake, 'invalidations' | 'clear'>;
  scc: SccFake;
  calendar: CalendarFake;
  stripe: StripeFake;
  placeIndex: JsonApiFake;
  staticMap: StaticMapFake;
  fauxqs: FauxqsServer;
  eventBridge: Pick<EventBridgeEmulator, 'failNextPutEvents'>;
  scheduler: Pick<SchedulerEmulator, 'now' | 'pending' | 'advanceTo' | 'advanceBy' | 'failedInvocations'>;
  invocations: InvocationLog[];
  token: (
    role: 'dispatcher' | 'admin' | 'driver',
    options?: { sub?: string; email?: string; crewId?: string },
  ) => Promise<string>;
}

const ROLES = new Set(['dispatcher', 'admin', 'driver']);
const MAX_CONTROL_BODY = 64 * 1024;

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(body === undefined ? '' : JSON.stringify(body));
}

const DISPUTE_MOVES = new Set(['review', 'win', 'lose', 'escalate', 'appeal']);

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_CONTROL_BODY) throw Object.assign(new Error('body too large'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw Object.assign(new Error('body must be JSON'), { status: 400 });
  }
}

/** Published SNS messages as fauxqs's spy saw them (the crew-notification topic and the ops topic). */
function snsMessages(fauxqs: FauxqsServer): unknown[] {
  const spy = fauxqs.spy as unknown as { getAllMessages?: () => { service: string }[] };
  return (spy.getAllMessages?.() ?? []).filter((message) => message.service === 'sns');
}

/**
 * Handles a request under `/_local/`; answers false for anything else so the API gateway gets it.
 */
export async function handleControl(
  context: ControlContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<boolean> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (!url.pathname.startsWith('/_local/')) return false;
  const route = `${request.method} ${url.pathname.replace(/\/$/, '')}`;
  try {
    // Amazon Location's Maps API: GetStaticMap as the tracking page's <img> asks it (the view's
    // mapImageUrl), GetStyleDescriptor as the console's board map asks it (config.json's map.styleUrl).
    if (request.method === 'GET' && /^\/_local\/maps\/v2\/(static|styles)\//.test(url.pathname)) {
      const map = context.staticMap.answer(
        new URL(url.pathname.slice('/_local/maps'.length) + url.search, url),
        request.headers.referer ? { referer: request.headers.referer } : {},
      );
      response.writeHead(map.status, map.headers);
      response.end(map.body);
      return true;
    }
    if (route === 'GET /_local/maps/requests') {
      send(response, 200, { requests: context.staticMap.requests() });
      return true;
    }
    // A customer paying a Checkout Session, an event sent again (Stripe's retries), a refund going
    // through or failing (a closed card), a bank disputing a payment and the dispute answered, won or
    // lost: the fake posts them to the webhook, signed, and answers with what the webhook said.
    const stripeAction =
      /^POST \/_local\/stripe\/(sessions|events|refunds|payment_intents|disputes)\/([A-Za-z0-9_]+)\/(pay|resend|succeed|fail|dispute|review|win|lose|escalate|appeal)$/.exec(
        route,
      );
    if (stripeAction?.[1] === 'payment_intents' && stripeAction[3] === 'dispute') {
      const { reason, inquiry } = ((await readJson(request)) ?? {}) as {
        reason?: unknown;
        inquiry?: unknown;
      };
      const opened = await context.stripe.openDispute(stripeAction[2]!, {
        ...(typeof reason === 'string' && reason ? { reason } : {}),
        inquiry: inquiry === true,
      });
      send(response, 200, opened);
      return true;
    }
    if (stripeAction?.[1] === 'disputes' && stripeAction[3] && DISPUTE_MOVES.has(stripeAction[3])) {
      const dispute = context.stripe.disputes().find((candidate) => candidate.id === stripeAction[2]);
      // An inquiry's steps are Stripe's `warning_*` ones, an appeal's `appeal_*`; `escalate` makes an
      // inquiry a chargeback, `appeal` opens a lost dispute to appeal.
      const inquiry = dispute?.status.startsWith('warning_') === true;
      const appeal = dispute?.status.startsWith('appeal_') === true;
      const status = (
        {
          review: inquiry ? 'warning_under_review' : appeal ? 'appeal_under_review' : 'under_review',
          win: inquiry ? 'warning_closed' : 'won',
          lose: 'lost',
          escalate: 'needs_response',
          appeal: 'appeal_needs_response',
        } as const
      )[stripeAction[3] as 'review' | 'win' | 'lose' | 'escalate' | 'appeal'];
      send(response, 200, await context.stripe.moveDispute(stripeAction[2]!, status));
      return true;
    }
    if (stripeAction?.[1] === 'sessions' && stripeAction[3] === 'pay') {
      send(response, 200, await context.stripe.pay(stripeAction[2]!));
      return true;
    }
    if (stripeAction?.[1] === 'events' && stripeAction[3] === 'resend') {
      send(response, 200, await context.stripe.resend(stripeAction[2]!));
      return true;
    }
    if (stripeAction?.[1] === 'refunds' && (stripeAction[3] === 'succeed' || stripeAction[3] === 'fail')) {
      const outcome = stripeAction[3] === 'fail' ? 'failed' : 'succeeded';
      send(response, 200, { deliveries: await context.stripe.settleRefund(stripeAction[2]!, outcome) });
      return true;
    }
    switch (route) {
      case 'GET /_local/health':
        send(response, 200, { ok: true, endpoints: context.endpoints, accessKeyId: context.accessKeyId });
        return true;
      case 'GET /_local/token': {
        const role = url.searchParams.get('role') ?? 'dispatcher';
        if (!ROLES.has(role)) {
          send(response, 400, { error: 'role must be dispatcher, admin or driver' });
          return true;
        }
        const sub = url.searchParams.get('sub') ?? undefined;
        const crewId = url.searchParams.get('crewId') ?? undefined;
        send(response, 200, {
          token: await context.token(role as 'dispatcher', {
            ...(sub ? { sub } : {}),
            ...(crewId ? { crewId } : {}),
          }),
        });
        return true;
      }
      case 'GET /_local/twilio/messages':
        send(response, 200, { messages: context.twilio.messages() });
        return true;
      case 'DELETE /_local/twilio/messages':
        context.twilio.clear();
        send(response, 204, undefined);
        return true;
      case 'GET /_local/twilio/callbacks':
        send(response, 200, { callbacks: context.twilio.callbacks() });
        return true;
      case 'POST /_local/twilio/faults':
        send(response, 201, { pending: context.twilio.injectFaults((await readJson(request)) as never) });
        return true;
      case 'DELETE /_local/twilio/faults':
        context.twilio.clearFaults();
        send(response, 204, undefined);
        return true;
      case 'POST /_local/twilio/inbound': {
        const body = (await readJson(request)) as { from?: string; to?: string; body?: string };
        if (typeof body.from !== 'string' || typeof body.body !== 'string') {
          send(response, 400, { error: 'from and body are required' });
          return true;
        }
        send(
          response,
          200,
          await context.twilio.sendInbound({ from: body.from, to: body.to, body: body.body }),
        );
        return true;
      }
      case 'GET /_local/scc/requests':
        send(response, 200, { requests: context.scc.requests() });
        return true;
      case 'POST /_local/scc/faults':
        send(response, 201, { pending: context.scc.injectFaults((await readJson(request)) as never) });
        return true;
      case 'DELETE /_local/scc/faults':
        context.scc.clearFaults();
        send(response, 204, undefined);
        return true;
      case 'GET /_local/calendar/requests':
        send(response, 200, { requests: context.calendar.requests() });
        return true;
      case 'POST /_local/calendar/faults':
        send(response, 201, { pending: context.calendar.injectFaults((await readJson(request)) as never) });
        return true;
      case 'DELETE /_local/calendar/faults':
        context.calendar.clearFaults();
        send(response, 204, undefined);
        return true;
      case 'GET /_local/places/requests':
        send(response, 200, { requests: context.placeIndex.requests() });
        return true;
      case 'POST /_local/places/faults':
        send(response, 201, { pending: context.placeIndex.injectFaults((await readJson(request)) as never) });
        return true;
      case 'DELETE /_local/places/faults':
        context.placeIndex.clearFaults();
        send(response, 204, undefined);
        return true;
      case 'POST /_local/events/faults': {
        const { count } = (await readJson(request)) as { count?: unknown };
        if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 1000) {
          send(response, 400, { error: 'count must be a whole number from 0 to 1000' });
          return true;
        }
        context.eventBridge.failNextPutEvents(count);
        send(response, 201, { failingNextPutEvents: count });
        return true;
      }
      case 'DELETE /_local/events/faults':
        context.eventBridge.failNextPutEvents(0);
        send(response, 204, undefined);
        return true;
      case 'GET /_local/scheduler':
        send(response, 200, {
          now: context.scheduler.now().toISOString(),
          schedules: context.scheduler.pending(),
          failed: context.scheduler.failedInvocations(),
        });
        return true;
      case 'POST /_local/scheduler': {
        // Moves the scheduler's clock forward and fires what falls due: { "advanceTo": ISO } or { "advanceBy": seconds }.
        const body = (await readJson(request)) as { advanceTo?: unknown; advanceBy?: unknown };
        const to = typeof body.advanceTo === 'string' ? new Date(body.advanceTo) : undefined;
        if (
          (to === undefined) === (typeof body.advanceBy !== 'number') ||
          (to && Number.isNaN(to.getTime()))
        ) {
          send(response, 400, { error: 'give advanceTo (an ISO time) or advanceBy (seconds), one of them' });
          return true;
        }
        const fired = to
          ? await context.scheduler.advanceTo(to)
          : await context.scheduler.advanceBy(body.advanceBy as number);
        send(response, 200, { now: context.scheduler.now().toISOString(), fired });
        return true;
      }
      case 'GET /_local/sns/messages':
        send(response, 200, { messages: snsMessages(context.fauxqs) });
        return true;
      case 'GET /_local/cloudfront/invalidations':
        send(response, 200, {
          invalidations: context.cloudfront.invalidations(
            url.searchParams.get('distributionId') ?? undefined,
          ),
        });
        return true;
      case 'DELETE /_local/cloudfront/invalidations':
        context.cloudfront.clear();
        send(response, 204, undefined);
        return true;
      case 'GET /_local/stripe':
        send(response, 200, {
          sessions: context.stripe.sessions(),
          refunds: context.stripe.refunds(),
          disputes: context.stripe.disputes(),
          events: context.stripe.events(),
          webhooks: context.stripe.webhooks(),
        });
        return true;
      case 'GET /_local/stripe/requests':
        send(response, 200, { requests: context.stripe.requests() });
        return true;
      case 'POST /_local/stripe/faults':
        send(response, 201, { pending: context.stripe.injectFaults((await readJson(request)) as never) });
        return true;
      case 'DELETE /_local/stripe/faults':
        context.stripe.clearFaults();
        send(response, 204, undefined);
        return true;
      case 'GET /_local/invocations':
        send(response, 200, {
          invocations: context.invocations.slice(-500).map(({ event: _event, ...entry }) => entry),
        });
        return true;
      default:
        send(response, 404, { error: `No control route ${route}` });
        return true;
    }
  } catch (error) {
    const status = (error as { status?: number }).status ?? (error instanceof TypeError ? 400 : 500);
    send(response, status, { error: (error as Error).message });
    return true;
  }
}
