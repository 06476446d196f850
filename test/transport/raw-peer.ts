// A hand-driven peer over a raw TCP socket, for tests that must send bytes no transport would:
// it can complete a genuine handshake and then write arbitrary frames or garbage.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Socket } from 'node:net';
import { decodePayload, encodePayload } from '../../packages/runtime/src/wire/codec.ts';
import { encodeFrame } from '../../packages/runtime/src/wire/frame.ts';
import { FrameDecoder } from '../../packages/runtime/src/wire/frame-decoder.ts';
import { Handshake } from '../../packages/runtime/src/wire/handshake.ts';
import type { NodeIdentity, OutgoingMessage } from '../../packages/runtime/src/wire/handshake.ts';
import { NONCE_BYTES } from '../../packages/runtime/src/wire/handshake-proof.ts';
import type { PeerAddress } from '../../packages/runtime/src/cluster/transport/types.ts';

export interface RawPeer {
  readonly socket: Socket;
  /** Resolves when the remote side closed or reset the socket. */
  readonly closed: Promise<void>;
  /** Frames received after the handshake. */
  readonly received: Array<{ type: number; payload: unknown }>;
  write(bytes: Uint8Array): void;
}

export function rawConnect(address: PeerAddress): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address.host, port: address.port });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined); // resets are expected: the server closes bad peers
      const closed = new Promise<void>((done) => socket.once('close', () => done()));
      socket.resume(); // read (and discard, unless a 'data' listener is added) so EOF is seen
      resolve({
        socket,
        closed,
        received: [],
        write: (bytes) => {
          if (!socket.destroyed) socket.write(bytes);
        },
      });
    });
  });
}

/** Runs the initiator side of the handshake on a raw socket; resolves with the peer identity. */
export async function rawHandshake(
  address: PeerAddress,
  cookie: string,
  local: NodeIdentity,
): Promise<RawPeer & { peer: NodeIdentity }> {
  const raw = await rawConnect(address);
  const handshake = new Handshake({ role: 'initiator', local, cookie, nonce: randomBytes(NONCE_BYTES) });
  const decoder = new FrameDecoder();
  const send = (messages: readonly OutgoingMessage[]) => {
    for (const m of messages) raw.write(encodeFrame(m.type, encodePayload(m.payload)));
  };
  return new Promise((resolve, reject) => {
    let peer: NodeIdentity | undefined;
    raw.socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk);
      try {
        for (let frame = decoder.next(); frame; frame = decoder.next()) {
          const payload = decodePayload(frame.payload);
          if (peer) {
            raw.received.push({ type: frame.type, payload });
            continue;
          }
          const out = handshake.receive(frame.type, payload);
          send(out.send);
          if (out.error) reject(out.error);
          if (out.peer) {
            peer = out.peer;
            resolve({ ...raw, peer });
          }
        }
      } catch (err) {
        reject(err as Error);
      }
    });
    void raw.closed.then(() => reject(new Error('closed during handshake')));
    send(handshake.start().send);
  });
}
