// Runs inside a worker thread: one Lambda execution environment. It imports the function's handler
// once — the cold start — from its TypeScript source (Node 24 strips the types) or its bundle
// (LocalCloudOptions.bundleFunctions, which runs this file bundled too), and then serves one
// invocation at a time, like a Lambda sandbox. process.env is the function's own environment.
import { randomUUID } from 'node:crypto';
import dns from 'node:dns';
import { enableCompileCache } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

export interface WorkerSetup {
  handlerFile: string;
  handlerExport: string;
  functionName: string;
  memorySizeMb: number;
  region: string;
  account: string;
  /** Where compiled code is cached between cold starts (none: compile every time). */
  compileCacheDir?: string;
}

export interface InvokeRequest {
  id: number;
  event: unknown;
  requestId: string;
  deadline: number;
}

export type InvokeReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { errorType: string; errorMessage: string; stack?: string } };

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const setup = workerData as WorkerSetup;
let coldStart = true;
// fauxqs hands out queue URLs under `sqs.<region>.localhost`, and the SDK sends requests to a queue
// URL's host; resolve `*.localhost` to loopback inside this sandbox so application code stays unchanged.
// (fauxqs's interceptLocalhostDns does this too, but importing it loads the whole emulator — fastify,
// three SDK clients — into every sandbox: ≈100 ms of each cold start.)
const systemLookup = dns.lookup;
dns.lookup = ((hostname: string, options: unknown, callback?: unknown) => {
  if (!hostname.endsWith('.localhost')) return systemLookup(hostname, options as never, callback as never);
  const reply = (callback ?? options) as (...args: unknown[]) => void;
  if (typeof options === 'object' && options !== null && 'all' in options && options.all)
    return process.nextTick(reply, null, [{ address: '127.0.0.1', family: 4 }]);
  process.nextTick(reply, null, '127.0.0.1', 4);
}) as typeof dns.lookup;
// Every cold start compiles the same sources (ours, type-stripped, and node_modules): V8's code cache
// on disk, shared by every worker and every run, makes the later ones cheaper (a worker importing one
// of @qdn/shared's modules was ready in a median 475–515 ms with it against 536–545 ms without,
// alternating on this 2-core machine under load).
if (setup.compileCacheDir) enableCompileCache(setup.compileCacheDir);
const handlerModule = (await import(pathToFileURL(setup.handlerFile).href)) as Record<string, unknown>;
const handler = handlerModule[setup.handlerExport] as Handler | undefined;

function lambdaContext(request: InvokeRequest) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: setup.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${setup.region}:${setup.account}:function:${setup.functionName}`,
    memoryLimitInMB: String(setup.memorySizeMb),
    awsRequestId: request.requestId,
    logGroupName: `/aws/lambda/${setup.functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, request.deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

parentPort?.on('message', async function invoke(request: InvokeRequest) {
  process.env.AWS_LAMBDA_LOG_STREAM_NAME = 'local';
  process.env._X_AMZN_TRACE_ID = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`;
  let reply: InvokeReply;
  try {
    if (typeof handler !== 'function') {
      throw Object.assign(
        new Error(`${setup.handlerFile} does not export a function named ${setup.handlerExport}`),
        {
          name: 'Runtime.HandlerNotFound',
        },
      );
    }
    const result = await handler(request.event, lambdaContext(request));
    // Lambda serialises the result to JSON; do the same so nothing non-JSON leaks through.
    reply = {
      id: request.id,
      ok: true,
      result: result === undefined ? null : JSON.parse(JSON.stringify(result)),
    };
  } catch (error) {
    const failure = error as Error;
    reply = {
      id: request.id,
      ok: false,
      error: {
        errorType: failure?.name ?? 'Error',
        errorMessage: failure?.message ?? String(error),
        stack: failure?.stack,
      },
    };
  }
  coldStart = false;
  parentPort?.postMessage(reply);
});

parentPort?.postMessage({ ready: true, coldStart });
