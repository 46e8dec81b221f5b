import { afterEach } from 'vitest';
import { type TestServer, type TestServerOptions, startTestServer } from '../../lib/testing/test-server.ts';

/** Returns a `start` function whose servers are closed after each test of the calling file. */
export function useTestServers(): (options?: TestServerOptions) => Promise<TestServer> {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (options) => {
    const server = await startTestServer(options);
    servers.push(server);
    return server;
  };
}
