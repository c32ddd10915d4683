import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalServer } from '../http-server.ts';
import { readBody } from './http-fake.ts';

/** One CreateInvalidation call as CloudFront received it. */
export interface RecordedInvalidation {
  id: string;
  distributionId: string;
  callerReference: string;
  paths: string[];
  createdAt: string;
}

export interface CloudFrontFake {
  listen(port?: number): Promise<{ url: string }>;
  close(): Promise<void>;
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  /** Every invalidation asked for, oldest first (optionally of one distribution). */
  invalidations(distributionId?: string): RecordedInvalidation[];
  clear(): void;
}

const INVALIDATION_PATH = /^\/20\d\d-\d\d-\d\d\/distribution\/([^/]+)\/invalidation(?:\/([^/?]+))?/;

function texts(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((match) =>
    match[1]!
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&quot;', '"')
      .replaceAll('&amp;', '&'),
  );
}

const escapeXml = (value: string) =>
  value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function invalidationXml(invalidation: RecordedInvalidation): string {
  const items = invalidation.paths.map((path) => `<Path>${escapeXml(path)}</Path>`).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">' +
    `<Id>${invalidation.id}</Id><Status>Completed</Status><CreateTime>${invalidation.createdAt}</CreateTime>` +
    `<InvalidationBatch><Paths><Quantity>${invalidation.paths.length}</Quantity><Items>${items}</Items></Paths>` +
    `<CallerReference>${escapeXml(invalidation.callerReference)}</CallerReference></InvalidationBatch>` +
    '</Invalidation>'
  );
}

/**
 * The one CloudFront operation the deploy and promote scripts call — CreateInvalidation (and
 * GetInvalidation to read one back) — recording what was asked, so a test can read which paths a
 * promotion invalidated. Locally nothing is cached, so there is nothing else to do.
 *
 * @see https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
 */
export function createCloudFrontFake(): CloudFrontFake {
  const recorded: RecordedInvalidation[] = [];
  let server: Server | undefined;

  function reply(
    response: ServerResponse,
    status: number,
    xml: string,
    headers: Record<string, string> = {},
  ) {
    response.writeHead(status, { 'content-type': 'text/xml', ...headers });
    response.end(xml);
  }
  const error = (response: ServerResponse, status: number, code: string, message: string) =>
    reply(
      response,
      status,
      `<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error></ErrorResponse>`,
    );

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const match = INVALIDATION_PATH.exec(request.url ?? '');
    if (!match) return error(response, 404, 'NotImplemented', `Not supported locally: ${request.url}`);
    const distributionId = decodeURIComponent(match[1]!);
    if (request.method === 'GET' && match[2]) {
      const found = recorded.find((invalidation) => invalidation.id === match[2]);
      if (!found) return error(response, 404, 'NoSuchInvalidation', `No invalidation ${match[2]}`);
      return reply(response, 200, invalidationXml(found));
    }
    if (request.method !== 'POST') return error(response, 405, 'NotImplemented', 'POST or GET only');
    const xml = (await readBody(request))?.toString('utf8') ?? '';
    const paths = texts(xml, 'Path');
    const [quantity] = texts(xml, 'Quantity');
    const [callerReference] = texts(xml, 'CallerReference');
    // CloudFront's own checks: the count must match, every path starts with '/', a reference is required.
    if (!callerReference || Number(quantity) !== paths.length || paths.some((path) => !path.startsWith('/')))
      return error(response, 400, 'InvalidArgument', 'Quantity, Paths starting with / and CallerReference');
    const invalidation: RecordedInvalidation = {
      id: `I${randomUUID().replaceAll('-', '').slice(0, 13).toUpperCase()}`,
      distributionId,
      callerReference,
      paths,
      createdAt: new Date().toISOString(),
    };
    recorded.push(invalidation);
    reply(response, 201, invalidationXml(invalidation), {
      location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${distributionId}/invalidation/${invalidation.id}`,
    });
  }

  return {
    handle,
    invalidations: (distributionId) =>
      recorded.filter((invalidation) => !distributionId || invalidation.distributionId === distributionId),
    clear: () => {
      recorded.length = 0;
    },
    listen(port = 0) {
      server = createLocalServer((request, response) => void handle(request, response));
      return new Promise((resolve) => {
        server!.listen(port, '127.0.0.1', () =>
          resolve({ url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}` }),
        );
      });
    },
    async close() {
      if (!server) return;
      server.closeAllConnections();
      await new Promise((resolve) => server!.close(resolve));
    },
  };
}
