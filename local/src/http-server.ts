import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * An HTTP server of the local cloud (the API, the site, the emulators, the fakes). Its clients are on
 * this machine: the tests, the function workers, a browser. It leaves closing an idle keep-alive
 * connection to them. With Node's default the server closes one after 5 s idle, and a request written
 * as that timer fires is reset (ECONNRESET; nodejs/undici#3141). A busy two-core machine widens that
 * moment enough to fail a test now and then. Whoever stops a server closes every connection it holds.
 */
export function createLocalServer(listener?: RequestListener): Server {
  const server = createServer(listener);
  server.keepAliveTimeout = 0;
  return server;
}
