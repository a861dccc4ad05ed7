/**
 * Counts the sockets a thread of a Lambda worker opens into its execution environment's shared counters (open now,
 * most open, refused) and, with a cap, refuses a socket beyond it with EMFILE, as a process at its descriptor limit
 * does. Also counts this thread's network bytes since the invocation began. Runs inside worker threads only.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { SOCKETS_OPEN, SOCKETS_PEAK, SOCKETS_REFUSED } from './lambda-worker-protocol';

/** This thread's sockets: each open one with its bytes when the invocation began, and the bytes of those closed since. */
const traffic = { open: new Map<Socket, number>(), closed: 0 };

function socketBytes(socket: Socket): number {
  return (socket.bytesRead || 0) + (socket.bytesWritten || 0);
}

/** Start counting network bytes afresh (an invocation begins). */
export function resetTraffic(): void {
  traffic.closed = 0;
  for (const socket of traffic.open.keys()) traffic.open.set(socket, socketBytes(socket));
}

/** This thread's network bytes since the invocation began: sockets closed meanwhile, and each open socket's beyond its start. */
export function trafficBytes(): number {
  let bytes = traffic.closed;
  for (const [socket, base] of traffic.open) bytes += socketBytes(socket) - base;
  return bytes;
}

function raisePeak(sockets: Int32Array, open: number): void {
  for (;;) {
    const peak = Atomics.load(sockets, SOCKETS_PEAK);
    if (open <= peak || Atomics.compareExchange(sockets, SOCKETS_PEAK, peak, open) === peak) return;
  }
}

/** Count every client socket this thread opens into `sockets`; refuse those beyond `max` with EMFILE. */
export function countSockets(sockets: Int32Array, max: number | undefined): void {
  diagnosticsChannel.channel('net.client.socket').subscribe((message) => {
    const { socket } = message as { socket: Socket };
    const open = Atomics.add(sockets, SOCKETS_OPEN, 1) + 1;
    let closed = false;
    traffic.open.set(socket, 0);
    socket.once('close', () => {
      if (!closed) Atomics.sub(sockets, SOCKETS_OPEN, 1);
      closed = true;
      const base = traffic.open.get(socket);
      if (base !== undefined) traffic.closed += socketBytes(socket) - base;
      traffic.open.delete(socket);
    });
    raisePeak(sockets, open);
    if (max !== undefined && open > max) {
      Atomics.add(sockets, SOCKETS_REFUSED, 1);
      const error: NodeJS.ErrnoException = new Error(`EMFILE: too many open files (socket ${open} of at most ${max})`);
      error.code = 'EMFILE';
      process.nextTick(() => socket.destroy(error));
    }
  });
}
