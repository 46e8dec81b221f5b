// An OpenAI-compatible server as a command, standing in for `vllm serve` in tests:
//   node --import tsx spec/helpers/servers/openai-server-cli.ts --port 8123 [--startup-delay-ms 500]
import { startTestServer } from '../../../lib/testing/test-server.ts';

const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};
await new Promise((resolve) => setTimeout(resolve, Number(argument('--startup-delay-ms') ?? 0)));
const server = await startTestServer({ port: Number(argument('--port')), recordRequests: false });
process.stdout.write(`listening on ${server.baseURL}\n`);
const stop = (): void => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop).once('SIGINT', stop);
