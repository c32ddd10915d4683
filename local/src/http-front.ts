import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { type ControlContext, handleControl } from './control.ts';
import type { FunctionsTopology } from './functions-from-topology.ts';
import { createHttpGateway, createLocalIdentityProvider, type StaffGroup } from './gateway/index.ts';

export interface HttpFrontOptions {
  dataDir: string;
  apiUrl: string;
  topology: FunctionsTopology;
  invoke(functionKey: string, event: unknown): Promise<unknown>;
  control: Omit<ControlContext, 'token'>;
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
  const token = (role: StaffGroup, claims: { sub?: string; email?: string } = {}) =>
    identity.issueToken({
      sub: claims.sub ?? `local-${role}`,
      email: claims.email ?? `${role}@qdn.local`,
      groups: [role],
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

  // The public pages arrive with the site service; until then the site port says so.
  function handleSite(_request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    response.end('The public pages (tracking, booking, crew) are not built yet.\n');
  }

  return { handleApi, handleSite, token };
}
