import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalServer } from '../http-server.ts';
import { readBody } from './http-fake.ts';

/** One parameter as the local cloud provides it (brands, signing keys, provider secrets). */
export interface LocalParameter {
  value: string;
  type?: 'String' | 'SecureString';
}

export interface SsmFake {
  listen(port?: number): Promise<{ url: string }>;
  close(): Promise<void>;
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  set(name: string, parameter: LocalParameter): void;
  get(name: string): LocalParameter | undefined;
  /** Names the functions asked for, so tests can see configuration being read. */
  reads(): string[];
  /** Reads of `name` fail (HTTP 400 AccessDeniedException, not retried by the SDK) until cleared. */
  failReads(name: string): void;
  clearFaults(): void;
}

interface StoredParameter extends LocalParameter {
  version: number;
  lastModified: number;
}

/**
 * The SSM Parameter Store API (AWS JSON 1.1) for the few operations our functions use through
 * Powertools parameters — GetParameter, GetParameters, GetParametersByPath — so configuration and
 * secrets reach application code the same way locally as in AWS, and PutParameter for `npm run
 * secrets` and the deploy preflight's tests. Values are local-only.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html
 */
export function createSsmFake(initial: Record<string, LocalParameter> = {}): SsmFake {
  const parameters = new Map<string, StoredParameter>();
  const reads: string[] = [];
  const failing = new Set<string>();
  let server: Server | undefined;
  const set = (name: string, parameter: LocalParameter) => {
    const version = (parameters.get(name)?.version ?? 0) + 1;
    parameters.set(name, { type: 'String', ...parameter, version, lastModified: Date.now() / 1000 });
  };
  for (const [name, parameter] of Object.entries(initial)) set(name, parameter);

  const describe = (name: string, parameter: StoredParameter) => ({
    Name: name,
    Type: parameter.type ?? 'String',
    Value: parameter.value,
    Version: parameter.version,
    LastModifiedDate: parameter.lastModified,
    ARN: `arn:aws:ssm:us-west-2:000000000000:parameter${name.startsWith('/') ? '' : '/'}${name}`,
    DataType: 'text',
  });

  function reply(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(body));
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const operation = String(request.headers['x-amz-target'] ?? '').replace('AmazonSSM.', '');
    const body = JSON.parse((await readBody(request))?.toString('utf8') || '{}') as {
      Name?: string;
      Names?: string[];
      Path?: string;
      Recursive?: boolean;
      Value?: string;
      Type?: 'String' | 'SecureString';
      Overwrite?: boolean;
      Tier?: 'Standard' | 'Advanced' | 'Intelligent-Tiering';
    };
    const asked = body.Name ? [body.Name] : (body.Names ?? []);
    if (asked.some((name) => failing.has(name))) {
      reads.push(...asked);
      return reply(response, 400, { __type: 'AccessDeniedException', message: 'Injected fault' });
    }
    if (operation === 'GetParameter') {
      const parameter = parameters.get(body.Name ?? '');
      reads.push(body.Name ?? '');
      if (!parameter)
        return reply(response, 400, {
          __type: 'ParameterNotFound',
          message: `Parameter ${body.Name} not found.`,
        });
      return reply(response, 200, { Parameter: describe(body.Name!, parameter) });
    }
    if (operation === 'GetParameters') {
      const names = body.Names ?? [];
      reads.push(...names);
      return reply(response, 200, {
        Parameters: names
          .filter((name) => parameters.has(name))
          .map((name) => describe(name, parameters.get(name)!)),
        InvalidParameters: names.filter((name) => !parameters.has(name)),
      });
    }
    if (operation === 'GetParametersByPath') {
      const prefix = `${(body.Path ?? '/').replace(/\/$/, '')}/`;
      const found = [...parameters.entries()].filter(
        ([name]) => name.startsWith(prefix) && (body.Recursive || !name.slice(prefix.length).includes('/')),
      );
      reads.push(...found.map(([name]) => name));
      return reply(response, 200, {
        Parameters: found.map(([name, parameter]) => describe(name, parameter)),
      });
    }
    // What `npm run secrets` uses: create, or replace with Overwrite (as SSM refuses otherwise).
    if (operation === 'PutParameter') {
      const name = body.Name ?? '';
      if (!name || body.Value === undefined)
        return reply(response, 400, {
          __type: 'ValidationException',
          message: 'Name and Value are required',
        });
      if (parameters.has(name) && !body.Overwrite)
        return reply(response, 400, {
          __type: 'ParameterAlreadyExists',
          message: `The parameter ${name} already exists.`,
        });
      // SSM's tiers: Standard (the default) holds 4 KB, Advanced 8 KB; Intelligent-Tiering is Standard
      // until a value needs Advanced. A brand catalog outgrows Standard: `npm run secrets` must say so.
      const tier =
        body.Tier === 'Advanced' || (body.Tier === 'Intelligent-Tiering' && body.Value.length > 4096)
          ? 'Advanced'
          : 'Standard';
      const limit = tier === 'Advanced' ? 8192 : 4096;
      if (body.Value.length > limit)
        return reply(response, 400, {
          __type: 'ValidationException',
          message: `${tier} tier parameters support a maximum parameter value of ${limit} characters.${tier === 'Standard' ? ' To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.' : ''}`,
        });
      set(name, { value: body.Value, type: body.Type ?? 'String' });
      return reply(response, 200, { Version: parameters.get(name)!.version, Tier: tier });
    }
    return reply(response, 400, {
      __type: 'UnknownOperationException',
      message: `Unsupported operation ${operation}`,
    });
  }

  return {
    handle,
    set,
    get: (name) => {
      const parameter = parameters.get(name);
      return parameter && { value: parameter.value, type: parameter.type };
    },
    reads: () => [...reads],
    failReads: (name) => void failing.add(name),
    clearFaults: () => failing.clear(),
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
