import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, Script } from 'node:vm';
import { type ControlContext, handleControl } from './control.ts';
import type { FunctionsTopology } from './functions-from-topology.ts';
import { createHttpGateway, createLocalIdentityProvider, type StaffGroup } from './gateway/index.ts';
import type { ServiceTopology } from './topology.ts';

export interface HttpFrontOptions {
  dataDir: string;
  apiUrl: string;
  topology: FunctionsTopology;
  invoke(functionKey: string, event: unknown): Promise<unknown>;
  control: Omit<ControlContext, 'token'>;
  /** Every service's resolved configuration: the site's distribution (function, headers, errors) is read from it. */
  services: ServiceTopology[];
  /** CloudFormation's intrinsics as the local cloud resolves them (the CSP is an Fn::Sub naming the media bucket). */
  resolve(service: string, value: unknown): unknown;
  log?: (line: string) => void;
}

/**
 * The API port: `/_local/` control routes first, then the HTTP API gateway with every service's
 * routes and the JWT authorizer. The local identity provider signs dev tokens that this authorizer
 * verifies exactly as the Cognito authorizer does in AWS (issuer, audience, signature, expiry).
 */
export async function createHttpFront(options: HttpFrontOptions) {
  const staff = options.topology.authorizers[0];
  if (!staff)
    throw new Error('No JWT authorizer declared (the jobs service declares provider.httpApi.authorizers)');
  const identity = await createLocalIdentityProvider({
    dir: join(options.dataDir, 'identity'),
    issuer: staff.issuer,
    audience: staff.audiences[0]!,
  });
  const token = (role: StaffGroup, claims: { sub?: string; email?: string; crewId?: string } = {}) =>
    identity.issueToken({
      sub: claims.sub ?? `local-${role}`,
      email: claims.email ?? `${role}@qdn.local`,
      groups: [role],
      ...(claims.crewId ? { crewId: claims.crewId } : {}),
      expiresInSeconds: 12 * 60 * 60,
    });
  const control: ControlContext = { ...options.control, token };
  const gateway = createHttpGateway({
    apiId: 'local',
    routes: options.topology.routes,
    cors: options.topology.cors as never,
    authorizers: Object.fromEntries(
      options.topology.authorizers.map((authorizer) => [
        authorizer.name,
        {
          issuer: authorizer.issuer,
          audiences: authorizer.audiences,
          identitySource: authorizer.identitySource,
        },
      ]),
    ),
    keys: identity,
    invoke: (functionKey, event) => options.invoke(functionKey, event),
    fallback: (request, response) => handleControl(control, request, response),
    log: options.log
      ? (entry) =>
          options.log?.(`${entry.method} ${entry.path} → ${entry.status} (${entry.ms.toFixed(0)} ms)`)
      : undefined,
  });

  function handleApi(request: IncomingMessage, response: ServerResponse): void {
    gateway(request, response);
  }

  /** What a distribution's origin needs of this cloud: its URLs, and intrinsics resolved as its service's. */
  const localTo = (service: ServiceTopology): LocalOrigins => ({
    apiUrl: options.apiUrl,
    s3Url: options.control.endpoints.s3,
    resolve: (value) => options.resolve(service.name, value),
  });

  const siteService = options.services.find((service) => service.name === 'site');
  const handleSite = siteService
    ? createSiteOrigin(siteService, localTo(siteService))
    : function noSite(_request: IncomingMessage, response: ServerResponse): void {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('No site service (services/site/serverless.yml) to serve.\n');
      };

  // The console's distribution puts its response headers policy (CSP, Referrer-Policy, …) on every
  // answer; the console port does the same with these, so the browser tests run under them.
  const consoleService = options.services.find((service) => service.name === 'console');
  const consoleHeaders = consoleService ? policyHeadersOf(consoleService, localTo(consoleService)) : {};

  return { handleApi, handleSite, token, consoleHeaders };
}

interface LocalOrigins {
  apiUrl: string;
  s3Url: string;
  resolve(value: unknown): unknown;
}

/** A distribution's response headers policy as headers, its CSP naming the local origins. */
function policyHeadersOf(service: ServiceTopology, local: LocalOrigins): Record<string, string> {
  const [policy] = resourcesOfType(service, 'AWS::CloudFront::ResponseHeadersPolicy');
  const headers = headersOfPolicy(
    local.resolve(policy?.ResponseHeadersPolicyConfig) as Record<string, unknown> | undefined,
  );
  if (headers['content-security-policy']) {
    headers['content-security-policy'] = withLocalOrigins(headers['content-security-policy'], [
      new URL(local.apiUrl).origin,
      new URL(local.s3Url).origin,
    ]);
  }
  return headers;
}

// ---- The site port: CloudFront in front of the site bucket ------------------------------------------

/** Where the site service keeps what its distribution runs and serves (see services/site/serverless.yml). */
const SITE_FUNCTION_FILE = 'src/edge/rewrite.js';
const SITE_PAGES_DIR = 'public';
const BRANDS_FILE = fileURLToPath(new URL('../../shared/config/brands.local.json', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

type CloudFrontValues = Record<string, { value: string }>;
interface CloudFrontRequest {
  method: string;
  uri: string;
  querystring: CloudFrontValues;
  headers: CloudFrontValues;
  cookies: CloudFrontValues;
}
interface CloudFrontResponse {
  statusCode: number;
  statusDescription?: string;
  headers?: CloudFrontValues;
  body?: string | { encoding: 'text' | 'base64'; data: string };
}
type ViewerRequestFunction = (event: unknown) => CloudFrontRequest | CloudFrontResponse;

function resourcesOfType(service: ServiceTopology, type: string): Record<string, unknown>[] {
  return Object.values(service.config.resources?.Resources ?? {})
    .filter((resource) => resource.Type === type)
    .map((resource) => resource.Properties ?? {});
}

/**
 * The viewer-request function as CloudFront runs it: the file is a script (no modules in
 * cloudfront-js-2.0) evaluated in a bare context — no require, process or fetch — whose top-level
 * `handler(event)` is then called per request. Read from the file the template's FunctionCode is made
 * of (test/infra/site-distribution.test.ts checks the packaged template carries exactly this text).
 */
function loadViewerRequestFunction(file: string): ViewerRequestFunction {
  const context = createContext({});
  new Script(readFileSync(file, 'utf8'), { filename: file }).runInContext(context);
  const handler = (context as { handler?: unknown }).handler;
  if (typeof handler !== 'function') throw new Error(`${file} defines no handler(event) function`);
  return handler as ViewerRequestFunction;
}

/** The headers a CloudFront response headers policy adds, from its `ResponseHeadersPolicyConfig`. */
function headersOfPolicy(config: Record<string, unknown> | undefined): Record<string, string> {
  const security = (config?.SecurityHeadersConfig ?? {}) as Record<string, Record<string, unknown>>;
  const headers: Record<string, string> = {};
  const csp = security.ContentSecurityPolicy?.ContentSecurityPolicy;
  if (typeof csp === 'string') headers['content-security-policy'] = csp;
  const hsts = security.StrictTransportSecurity;
  if (hsts) {
    headers['strict-transport-security'] = [
      `max-age=${String(hsts.AccessControlMaxAgeSec)}`,
      ...(hsts.IncludeSubdomains ? ['includeSubDomains'] : []),
      ...(hsts.Preload ? ['preload'] : []),
    ].join('; ');
  }
  if (typeof security.ReferrerPolicy?.ReferrerPolicy === 'string')
    headers['referrer-policy'] = security.ReferrerPolicy.ReferrerPolicy;
  if (security.ContentTypeOptions) headers['x-content-type-options'] = 'nosniff';
  if (typeof security.FrameOptions?.FrameOption === 'string')
    headers['x-frame-options'] = security.FrameOptions.FrameOption;
  const custom = (config?.CustomHeadersConfig as { Items?: { Header: string; Value: string }[] } | undefined)
    ?.Items;
  for (const item of custom ?? []) headers[item.Header.toLowerCase()] = item.Value;
  return headers;
}

/**
 * The stage's CSP names the AWS origins of the API and the media bucket; locally both live on ports of
 * this machine, so those are allowed too. Every other directive is the deployed one.
 */
function withLocalOrigins(csp: string, origins: string[]): string {
  return csp
    .split(';')
    .map((directive) => directive.trim())
    .filter(Boolean)
    .map((directive) =>
      /^(connect-src|img-src)\s/.test(directive) ? `${directive} ${origins.join(' ')}` : directive,
    )
    .join('; ');
}

/** A function-generated response's body: text as is, `{ encoding: 'base64' }` decoded. */
function functionResponseBody(body: CloudFrontResponse['body']): string | Buffer | undefined {
  if (body === undefined || typeof body === 'string') return body;
  return body.encoding === 'base64' ? Buffer.from(body.data, 'base64') : body.data;
}

function cloudFrontValues(entries: Iterable<[string, string]>): CloudFrontValues {
  const values: CloudFrontValues = {};
  for (const [name, value] of entries) values[name] = { value };
  return values;
}

/**
 * The site as its CloudFront distribution serves it (services/site/serverless.yml): each request runs
 * through the viewer-request function, then reaches the "bucket" (the site's public/ folder, plus the
 * config.json the deploy step writes: here the local API's URL), with the response headers policy on
 * every answer and the distribution's custom error responses (a missing object is S3's 403 without
 * ListBucket, shown as /404.html). Only GET and HEAD, as the distribution allows.
 */
function createSiteOrigin(site: ServiceTopology, local: LocalOrigins) {
  const viewerRequest = loadViewerRequestFunction(join(site.dir, SITE_FUNCTION_FILE));
  const bucketDir = resolve(site.dir, SITE_PAGES_DIR);
  const [distribution] = resourcesOfType(site, 'AWS::CloudFront::Distribution');
  const distributionConfig = (distribution?.DistributionConfig ?? {}) as {
    CustomErrorResponses?: { ErrorCode: number; ResponseCode?: number; ResponsePagePath?: string }[];
  };
  const policyHeaders = policyHeadersOf(site, local);
  const { defaultBrandId } = JSON.parse(readFileSync(BRANDS_FILE, 'utf8')) as { defaultBrandId: string };
  const generated: Record<string, string> = {
    'config.json': JSON.stringify({ apiBaseUrl: local.apiUrl, defaultBrandId }),
  };

  /** GetObject as CloudFront's Origin Access Control gets it: 200 with the object, or 403. */
  async function getObject(key: string): Promise<{ status: number; body: Buffer | string; type: string }> {
    const type = CONTENT_TYPES[extname(key)] ?? 'application/octet-stream';
    if (generated[key] !== undefined) return { status: 200, body: generated[key], type };
    const path = resolve(bucketDir, key);
    if (key === '' || key.endsWith('/') || !path.startsWith(bucketDir + sep)) {
      return { status: 403, body: 'AccessDenied', type: 'text/plain' };
    }
    try {
      return { status: 200, body: await readFile(path), type };
    } catch {
      return { status: 403, body: 'AccessDenied', type: 'text/plain' };
    }
  }

  async function originResponse(uri: string) {
    let key: string;
    try {
      key = decodeURIComponent(uri).replace(/^\//, '');
    } catch {
      return { status: 403, body: 'AccessDenied', type: 'text/plain' };
    }
    const object = await getObject(key);
    if (object.status === 200) return object;
    const custom = distributionConfig.CustomErrorResponses?.find(
      (entry) => entry.ErrorCode === object.status,
    );
    if (!custom?.ResponsePagePath) return object;
    const page = await getObject(custom.ResponsePagePath.replace(/^\//, ''));
    return { ...page, status: custom.ResponseCode ?? object.status };
  }

  return async function handleSite(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const url = new URL(request.url ?? '/', 'http://site.local');
      const method = request.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') {
        response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', ...policyHeaders });
        response.end('This distribution is not configured to allow the HTTP request method.\n');
        return;
      }
      const headers = cloudFrontValues(
        Object.entries(request.headers).flatMap(([name, value]) =>
          value === undefined
            ? []
            : [[name, Array.isArray(value) ? value.join(',') : value] as [string, string]],
        ),
      );
      const event = {
        version: '1.0',
        context: {
          distributionDomainName: request.headers.host ?? 'localhost',
          distributionId: 'LOCAL',
          eventType: 'viewer-request',
          requestId: randomUUID(),
        },
        viewer: { ip: request.socket.remoteAddress ?? '127.0.0.1' },
        request: {
          method,
          uri: url.pathname,
          querystring: cloudFrontValues(url.searchParams.entries()),
          headers,
          cookies: {},
        },
      };
      const result = await viewerRequest(event);
      if ('statusCode' in result) {
        // The function answered itself (a redirect, say): CloudFront sends that, origin untouched.
        const body = functionResponseBody(result.body);
        response.writeHead(result.statusCode, {
          ...Object.fromEntries(
            Object.entries(result.headers ?? {}).map(([name, { value }]) => [name, value]),
          ),
          ...policyHeaders,
        });
        response.end(method === 'HEAD' ? undefined : body);
        return;
      }
      const object = await originResponse(result.uri);
      response.writeHead(object.status, {
        'content-type': object.type,
        // What the deploy step sets on every object: pages change with each deploy, so always revalidate.
        'cache-control': 'no-cache',
        ...policyHeaders,
      });
      response.end(method === 'HEAD' ? undefined : object.body);
    } catch (error) {
      // CloudFront's answer when a function throws (FunctionExecutionError), with the reason for the developer.
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`The site's viewer-request function failed: ${(error as Error).message}\n`);
    }
  };
}
