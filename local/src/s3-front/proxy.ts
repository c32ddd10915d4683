// Everything that is not a browser POST upload or a preflight goes to fauxqs unchanged, streamed both
// ways, so the SDK (PutObject, multipart, presigned GETs) and browsers use the front as their one S3
// endpoint. Only hop-by-hop headers are dropped, and CORS headers added to the answer.

import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { S3Error } from './errors.ts';
import { internalError, sendS3Error } from './errors.ts';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus `expect`. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // Node's server already answered `100-continue` to the client; repeating it upstream would only stall.
  'expect',
]);

/** Options of one proxied exchange. */
export interface ProxyOptions {
  /** The emulator's base URL, e.g. `http://127.0.0.1:4566`. */
  upstream: URL;
  /** Added to the answer (CORS); they replace any upstream header of the same name. */
  responseHeaders: Readonly<Record<string, string>>;
  requestId: string;
  onError: (error: unknown) => void;
}

/**
 * Sends the request to the emulator with the same method, path, query and headers (including `Host`, so
 * virtual-hosted-style addressing keeps working) and streams the answer back.
 */
export function proxyToEmulator(req: IncomingMessage, res: ServerResponse, options: ProxyOptions): void {
  const send = options.upstream.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstreamRequest = send({
    protocol: options.upstream.protocol,
    hostname: options.upstream.hostname,
    port: options.upstream.port,
    method: req.method,
    path: req.url,
    headers: forwardableHeaders(req.headers),
  });

  upstreamRequest.on('response', function relayResponse(upstreamResponse) {
    const headers: OutgoingHttpHeaders = forwardableHeaders(upstreamResponse.headers);
    for (const name of Object.keys(headers)) {
      if (name.startsWith('access-control-')) delete headers[name];
    }
    Object.assign(headers, options.responseHeaders);
    res.writeHead(upstreamResponse.statusCode ?? 502, headers);
    upstreamResponse.pipe(res);
    upstreamResponse.on('error', function abandonResponse() {
      res.destroy();
    });
  });
  upstreamRequest.on('error', function upstreamFailed(error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    options.onError(error);
    const failure: S3Error = internalError();
    sendS3Error(res, failure, options.requestId, options.responseHeaders);
  });
  // A client that goes away mid-transfer must not leave the upstream exchange hanging.
  res.on('close', function clientGone() {
    if (!res.writableFinished) upstreamRequest.destroy();
  });
  req.on('error', function clientFailed() {
    upstreamRequest.destroy();
  });
  req.pipe(upstreamRequest);
}

function forwardableHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const connectionScoped = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== ''),
  );
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || connectionScoped.has(name)) continue;
    result[name] = value;
  }
  return result;
}
