import { startTestServer } from '../../lib/testing/test-server.ts';

// Starts a test server for manual runs: prints its URL and stays up until killed.
const server = await startTestServer({ latencyMs: Number(process.env['LATENCY_MS'] ?? 20), recordRequests: false });
process.stdout.write(`${server.baseURL}\n`);
