import { describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import * as z from 'zod';
import { ConflictError, ForbiddenError, NotFoundError } from '../../src/errors.ts';
import { type HttpMiddleware, httpHandler } from '../../src/http.ts';
import { isDriverOnly, rolesFromClaim } from '../../src/roles.ts';

// Given/when/then over the real middy stack, invoked in-process with API Gateway v2 events.
function apiEvent(overrides: Partial<APIGatewayProxyEventV2WithJWTAuthorizer> = {}) {
  return {
    version: '2.0',
    routeKey: 'POST /things',
    rawPath: '/things',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: { http: { method: 'POST', path: '/things' }, requestId: 'req-1' },
    isBase64Encoded: false,
    ...overrides,
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

function withClaims(groups: string, event = apiEvent()) {
  (event.requestContext as unknown as Record<string, unknown>).authorizer = {
    jwt: { claims: { sub: 'user-1', 'cognito:groups': groups }, scopes: [] },
  };
  return event;
}

const context = {
  awsRequestId: 'aws-req-42',
  functionName: 'test',
  getRemainingTimeInMillis: () => 5000,
} as Context;

const createThing = httpHandler(
  { body: z.object({ name: z.string().min(1), count: z.number().int().positive() }), maxBodyBytes: 100 },
  async ({ body }) => ({ statusCode: 201, body: { created: body.name } }),
);

describe('httpHandler', () => {
  it('given a valid body, when called, then the route gets typed input and answers JSON with security headers', async () => {
    const response = await createThing(apiEvent({ body: '{"name":"trailer","count":2}' }), context);
    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body as string)).toEqual({ created: 'trailer' });
    expect(response.headers?.['content-type']).toMatch(/application\/json/);
    expect(
      response.headers?.['Strict-Transport-Security'] ?? response.headers?.['strict-transport-security'],
    ).toBeDefined();
    // CORS is the HTTP API's alone (httpApi.cors): API Gateway replaces whatever a function would set.
    expect(Object.keys(response.headers ?? {}).filter((name) => /^access-control-/i.test(name))).toEqual([]);
  });

  it('given malformed JSON, when called, then 400 with an error and details', async () => {
    const response = await createThing(apiEvent({ body: '{"name": tra' }), context);
    expect(response.statusCode).toBe(400);
    const body = JSON.parse(response.body as string);
    expect(body.error).toBe('Malformed JSON body');
    expect(body.details).toEqual([expect.objectContaining({ field: 'body' })]);
  });

  it('given fields that fail validation, when called, then 400 names each field', async () => {
    const response = await createThing(apiEvent({ body: '{"name":"","count":-1}' }), context);
    expect(response.statusCode).toBe(400);
    const body = JSON.parse(response.body as string);
    expect(body.details.map((detail: { field: string }) => detail.field).sort()).toEqual([
      'body.count',
      'body.name',
    ]);
  });

  it.each([
    ['an unknown field', '{"name":"trailer","count":2,"admin":true}', ['body.admin']],
    ['__proto__', '{"name":"trailer","count":2,"__proto__":{"admin":true}}', ['body.__proto__']],
  ])(
    'given %s in a JSON body (the schema is not .strict()), when called, then 400 names it and the route never runs',
    async (_case, raw, fields) => {
      let ran = false;
      const route = httpHandler(
        {
          body: z.object({
            name: z.string(),
            count: z.number(),
            tags: z.array(z.object({ k: z.string() })).optional(),
          }),
        },
        async () => {
          ran = true;
          return { statusCode: 204 };
        },
      );
      const response = await route(apiEvent({ body: raw }), context);
      expect(response.statusCode).toBe(400);
      expect(
        JSON.parse(response.body as string).details.map((detail: { field: string }) => detail.field),
      ).toEqual(fields);
      const nested = await route(
        apiEvent({ body: '{"name":"a","count":1,"tags":[{"k":"x","extra":1}]}' }),
        context,
      );
      expect(JSON.parse(nested.body as string).details).toEqual([
        { field: 'body.tags.0.extra', message: 'unknown field' },
      ]);
      expect(ran).toBe(false);
    },
  );

  it('given a body over the limit, when called, then 413', async () => {
    const response = await createThing(
      apiEvent({ body: JSON.stringify({ name: 'x'.repeat(200), count: 1 }) }),
      context,
    );
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(response.body as string).error).toMatch(/larger than 100 bytes/);
  });

  it('given a base64 body over the limit, when called, then 413 counts decoded bytes', async () => {
    const raw = Buffer.from(JSON.stringify({ name: 'y'.repeat(120), count: 1 })).toString('base64');
    const response = await createThing(apiEvent({ body: raw, isBase64Encoded: true }), context);
    expect(response.statusCode).toBe(413);
  });

  it('given a non-JSON content type, when called, then 415', async () => {
    const response = await createThing(
      apiEvent({ body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      context,
    );
    expect(response.statusCode).toBe(415);
  });

  it('given the route throws an unexpected error, when called, then 500 with a request id and no internals', async () => {
    const explode = httpHandler({}, async () => {
      throw new Error('secret connection string postgres://u:p@db');
    });
    const response = await explode(apiEvent(), context);
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body as string)).toEqual({ error: 'Internal error', requestId: 'aws-req-42' });
    expect(response.body).not.toMatch(/postgres|stack|at /);
  });

  it('given the route throws domain errors, when called, then they map to 404 and 409 with details', async () => {
    const missing = httpHandler({}, async () => {
      throw new NotFoundError();
    });
    const conflict = httpHandler({}, async () => {
      throw new ConflictError('Trailer booked', [{ jobId: 'qdn_1' }]);
    });
    expect((await missing(apiEvent(), context)).statusCode).toBe(404);
    const response = await conflict(apiEvent(), context);
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body as string)).toEqual({
      error: 'Trailer booked',
      details: [{ jobId: 'qdn_1' }],
    });
  });

  it('given a staff route, when called without claims, with the wrong role and with the right one, then 401, 403, 200', async () => {
    const adminOnly = httpHandler({ roles: ['admin'] }, async ({ principal }) => ({
      body: { who: principal?.userId },
    }));
    expect((await adminOnly(apiEvent(), context)).statusCode).toBe(401);
    expect((await adminOnly(withClaims('[dispatcher]'), context)).statusCode).toBe(403);
    const allowed = await adminOnly(withClaims('[dispatcher admin]'), context);
    expect(allowed.statusCode).toBe(200);
    expect(JSON.parse(allowed.body as string)).toEqual({ who: 'user-1' });
  });

  it("given a driver token with custom:crewId, when called, then the route sees the caller's crew id", async () => {
    const whoAmI = httpHandler({ roles: ['driver'] }, async ({ principal }) => ({
      body: { crewId: principal?.crewId ?? null, driverOnly: isDriverOnly(principal) },
    }));
    const event = apiEvent();
    (event.requestContext as unknown as Record<string, unknown>).authorizer = {
      jwt: { claims: { sub: 'u-2', 'cognito:groups': '[driver]', 'custom:crewId': 'crew_ana' }, scopes: [] },
    };
    expect(JSON.parse((await whoAmI(event, context)).body as string)).toEqual({
      crewId: 'crew_ana',
      driverOnly: true,
    });
    expect(JSON.parse((await whoAmI(withClaims('[driver]'), context)).body as string)).toEqual({
      crewId: null,
      driverOnly: true,
    });
    expect(JSON.parse((await whoAmI(withClaims('[driver dispatcher]'), context)).body as string)).toEqual({
      crewId: null,
      driverOnly: false,
    });
  });

  it('given invalid path parameters, when called, then 400 names the path field and the route never runs', async () => {
    let ran = false;
    const getThing = httpHandler({ params: z.object({ id: z.string().regex(/^t_\d+$/) }) }, async () => {
      ran = true;
      return { body: {} };
    });
    const response = await getThing(apiEvent({ pathParameters: { id: '../etc' } }), context);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body as string).details[0].field).toBe('path.id');
    expect(ran).toBe(false);
  });
});

describe('rolesFromClaim', () => {
  it.each([
    [
      ['dispatcher', 'admin'],
      ['dispatcher', 'admin'],
    ],
    ['[dispatcher admin]', ['dispatcher', 'admin']],
    ['driver', ['driver']],
    ['[superuser]', []],
    [undefined, []],
  ])('given %j, then %j', (claim, roles) => {
    expect(rolesFromClaim(claim)).toEqual(roles);
  });

  describe('form bodies and raw responses (Twilio webhooks)', () => {
    const webhook = httpHandler(
      { bodyFormat: 'form', body: z.object({ From: z.string(), Body: z.string() }).loose() },
      async ({ body }) => ({
        body: `<Response><!-- ${body.From}: ${body.Body} --></Response>`,
        headers: { 'content-type': 'text/xml' },
      }),
    );
    const formEvent = (body: string, contentType = 'application/x-www-form-urlencoded') =>
      apiEvent({ body, headers: { 'content-type': contentType } });

    it('given a form body, when called, then the route gets its fields and answers the raw string', async () => {
      const response = await webhook(formEvent('From=%2B16195550123&Body=Hi+there&Extra=1'), context);
      expect(response.statusCode).toBe(200);
      expect(response.headers?.['content-type']).toBe('text/xml');
      expect(response.body).toBe('<Response><!-- +16195550123: Hi there --></Response>');
    });

    it('given JSON where a form is expected, when called, then 415', async () => {
      const response = await webhook(formEvent('{"From":"x"}', 'application/json'), context);
      expect(response.statusCode).toBe(415);
    });

    it('given a form missing a field, when called, then 400 names it', async () => {
      const response = await webhook(formEvent('From=x'), context);
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body as string).details).toEqual([
        expect.objectContaining({ field: 'body.Body' }),
      ]);
    });
  });

  describe('the stack, one concern per middleware', () => {
    it('given headers in any case, when the route reads them, then their names are lower-cased', async () => {
      const echo = httpHandler({}, async ({ headers }) => ({ body: { key: headers['idempotency-key'] } }));
      const response = await echo(
        apiEvent({ headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'text-7' } }),
        context,
      );
      expect(JSON.parse(response.body as string)).toEqual({ key: 'text-7' });
    });

    it('given no roles and a malformed body, when called, then 401 before the body is read', async () => {
      const adminThing = httpHandler(
        { roles: ['admin'], body: z.object({ name: z.string() }) },
        async () => ({}),
      );
      const response = await adminThing(apiEvent({ body: '{not json' }), context);
      expect(response.statusCode).toBe(401);
    });

    it("given a route's own check, when the body is invalid, then the check answers first and the route never runs", async () => {
      const seen: unknown[] = [];
      const signed: HttpMiddleware = {
        before: ({ event }) => {
          seen.push(event.body);
          throw new ForbiddenError('Invalid signature');
        },
      };
      let ran = false;
      const webhook = httpHandler(
        { bodyFormat: 'form', body: z.object({ Body: z.string().min(5) }), middlewares: [signed] },
        async () => {
          ran = true;
          return {};
        },
      );
      const response = await webhook(
        apiEvent({ body: 'Body=x&Body=y', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
        context,
      );
      expect(response.statusCode).toBe(403);
      expect(ran).toBe(false);
      // The check saw the parsed form, a repeated key as the array Twilio signs.
      expect(seen).toEqual([{ Body: ['x', 'y'] }]);
    });

    it('given a repeated form key where one value is expected, when validated, then 400 names it', async () => {
      const webhook = httpHandler(
        { bodyFormat: 'form', body: z.record(z.string(), z.string()) },
        async () => ({}),
      );
      const response = await webhook(
        apiEvent({ body: 'From=a&From=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
        context,
      );
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body as string).details).toEqual([
        expect.objectContaining({ field: 'body.From' }),
      ]);
    });
  });
});
