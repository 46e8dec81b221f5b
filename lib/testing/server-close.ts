import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Tracks the sockets of `server` by hand and returns its `close`: it calls `markClosing`, stops listening,
 * destroys every open socket (idle keep-alive ones and requests still waiting out a latency too) and resolves
 * once the server and all of them are closed. Later calls return the same promise. Call it before `listen`.
 */
export function closeDestroyingSockets(server: Server, markClosing: () => void): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let closed: Promise<void> | undefined;
  return () => {
    closed ??= new Promise<void>((resolve) => {
      markClosing();
      // The server reports closed before its sockets emit 'close'; waiting for them lets every
      // request still in flight settle its counters and latency timer first.
      const waits = [new Promise<void>((resolveServer) => server.close(() => resolveServer()))];
      for (const socket of sockets) {
        waits.push(new Promise<void>((resolveSocket) => socket.once('close', () => resolveSocket())));
        socket.destroy();
      }
      void Promise.all(waits).then(() => resolve());
    });
    return closed;
  };
}
