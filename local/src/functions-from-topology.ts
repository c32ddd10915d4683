import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type IntrinsicResolver, LOCAL_ACCOUNT, LOCAL_REGION } from './cloudformation.ts';
import type { LocalFunction } from './runtime/functions.ts';
import type { ServiceTopology } from './topology.ts';
import type { ScheduleDeclaration } from './triggers/schedule.ts';

export interface HttpRouteDeclaration {
  routeKey: string;
  functionKey: string;
  authorizer?: { name: string };
}

export interface SqsEventDeclaration {
  functionKey: string;
  queueArn: string;
  batchSize: number;
  batchWindowSeconds: number;
  maxConcurrency: number;
  reportBatchItemFailures: boolean;
}

export interface StreamEventDeclaration {
  functionKey: string;
  functionArn: string;
  streamArn: string;
  batchSize: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  maximumRetryAttempts: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
  onFailureArn?: string;
  /** Lambda event filtering (`filterPatterns`): only matching records are delivered. */
  filterPatterns?: object[];
}

export interface AuthorizerDeclaration {
  name: string;
  issuer: string;
  audiences: string[];
  identitySource: string;
}

export interface FunctionsTopology {
  functions: LocalFunction[];
  routes: HttpRouteDeclaration[];
  sqs: SqsEventDeclaration[];
  streams: StreamEventDeclaration[];
  /** Functions run on a schedule (`schedule:` events). */
  schedules: ScheduleDeclaration[];
  authorizers: AuthorizerDeclaration[];
  cors: Record<string, unknown> | undefined;
}

function stringifyEnvironment(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
  );
}

function handlerLocation(dir: string, handler: string): { file: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  const modulePath = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  for (const extension of ['.ts', '.mts', '.js', '.mjs']) {
    const file = join(dir, `${modulePath}${extension}`);
    if (existsSync(file)) return { file, exportName };
  }
  throw new Error(`Handler ${handler} not found under ${dir}`);
}

/** Every function's handler file, as the local runtime's workers import them (see bundleHandlers). */
export function handlerFiles(services: ServiceTopology[]): string[] {
  return services.flatMap((service) =>
    Object.values(service.config.functions ?? {}).map((fn) => handlerLocation(service.dir, fn.handler).file),
  );
}

/**
 * The functions, routes and triggers the services declare, with every environment value resolved to
 * the local cloud's names and ARNs. `runtimeEnvironment` is what every function additionally gets
 * (emulator endpoints, credentials, local configuration), as Lambda adds its own variables.
 */
export function functionsFromTopology(
  services: ServiceTopology[],
  resolver: IntrinsicResolver,
  runtimeEnvironment: Record<string, string>,
): FunctionsTopology {
  const result: FunctionsTopology = {
    functions: [],
    routes: [],
    sqs: [],
    streams: [],
    schedules: [],
    authorizers: [],
    cors: undefined,
  };
  for (const service of services) {
    const { provider } = service.config;
    const resolve = (value: unknown) => resolver.resolve(service.name, value);
    const httpApi = provider.httpApi as
      | { cors?: unknown; authorizers?: Record<string, Record<string, unknown>> }
      | undefined;
    if (httpApi?.cors) result.cors = resolve(httpApi.cors) as Record<string, unknown>;
    for (const [name, authorizer] of Object.entries(httpApi?.authorizers ?? {})) {
      const resolved = resolve(authorizer) as {
        issuerUrl: string;
        audience: string | string[];
        identitySource?: string;
      };
      result.authorizers.push({
        name,
        issuer: resolved.issuerUrl,
        audiences: [resolved.audience].flat(),
        identitySource: resolved.identitySource ?? '$request.header.Authorization',
      });
    }
    for (const [functionName, fn] of Object.entries(service.config.functions ?? {})) {
      const key = `${service.name}.${functionName}`;
      const name = fn.name ?? `${service.config.service}-${provider.stage}-${functionName}`;
      const { file, exportName } = handlerLocation(service.dir, fn.handler);
      const memorySizeMb = Number(fn.memorySize ?? provider.memorySize ?? 1024);
      let maxConcurrency = 4;
      for (const event of fn.events ?? []) {
        const [type, raw] = Object.entries(event)[0] as [string, unknown];
        const declaration = resolve(raw) as Record<string, unknown> | string;
        if (type === 'httpApi') {
          const route =
            typeof declaration === 'string'
              ? { routeKey: declaration }
              : {
                  routeKey: `${String(declaration.method ?? 'ANY').toUpperCase()} ${String(declaration.path)}`,
                  authorizer: declaration.authorizer,
                };
          const authorizer = route.authorizer as { id?: string; name?: string } | string | undefined;
          const authorizerName =
            typeof authorizer === 'string'
              ? authorizer
              : (authorizer?.name ?? authorizer?.id?.replace(/^authorizer-/, ''));
          result.routes.push({
            routeKey: route.routeKey.replace(/^\*/, 'ANY'),
            functionKey: key,
            ...(authorizerName ? { authorizer: { name: authorizerName } } : {}),
          });
        } else if (type === 'sqs' && typeof declaration === 'object') {
          const concurrency = Number(declaration.maximumConcurrency ?? 5);
          maxConcurrency = Math.max(maxConcurrency, concurrency);
          result.sqs.push({
            functionKey: key,
            queueArn: String(declaration.arn),
            batchSize: Number(declaration.batchSize ?? 10),
            batchWindowSeconds: Number(declaration.maximumBatchingWindow ?? 0),
            maxConcurrency: concurrency,
            reportBatchItemFailures: declaration.functionResponseType === 'ReportBatchItemFailures',
          });
        } else if (type === 'schedule') {
          // `schedule: rate(1 hour)` or `{ rate: [rate(1 hour), …], enabled }` (osls's two forms).
          const rates = typeof declaration === 'string' ? [declaration] : [declaration.rate].flat();
          for (const expression of rates) {
            result.schedules.push({
              functionKey: key,
              expression: String(expression),
              enabled: typeof declaration === 'string' || declaration.enabled !== false,
            });
          }
        } else if (
          type === 'stream' &&
          typeof declaration === 'object' &&
          (declaration.type ?? 'dynamodb') === 'dynamodb'
        ) {
          const destinations = declaration.destinations as
            | { onFailure?: { arn?: string } | string }
            | undefined;
          const onFailure = destinations?.onFailure;
          result.streams.push({
            functionKey: key,
            functionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`,
            streamArn: String(declaration.arn),
            batchSize: Number(declaration.batchSize ?? 100),
            startingPosition: (declaration.startingPosition as 'TRIM_HORIZON' | 'LATEST') ?? 'TRIM_HORIZON',
            maximumRetryAttempts: Number(declaration.maximumRetryAttempts ?? 10_000),
            bisectBatchOnFunctionError: declaration.bisectBatchOnFunctionError === true,
            reportBatchItemFailures: declaration.functionResponseType === 'ReportBatchItemFailures',
            onFailureArn: typeof onFailure === 'string' ? onFailure : onFailure?.arn,
            ...(Array.isArray(declaration.filterPatterns)
              ? { filterPatterns: declaration.filterPatterns as object[] }
              : {}),
          });
        }
      }
      result.functions.push({
        key,
        name,
        handlerFile: file,
        handlerExport: exportName,
        timeoutSeconds: Number(fn.timeout ?? provider.timeout ?? 6),
        memorySizeMb,
        maxConcurrency,
        environment: {
          ...stringifyEnvironment(resolve(provider.environment ?? {}) as Record<string, unknown>),
          ...stringifyEnvironment(resolve(fn.environment ?? {}) as Record<string, unknown>),
          ...runtimeEnvironment,
          AWS_LAMBDA_FUNCTION_NAME: name,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySizeMb),
          AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
          AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
        },
      });
    }
  }
  return result;
}
