/**
 * The connection both transports hand out: frames, handshake, coalesced sends, bounded send
 * queue, ordered delivery and the close protocol, over any `Link`.
 *
 * Life: `handshaking` → `open` → `closed`. While handshaking only handshake frames are read (4 KiB
 * limit), anything else closes the link. `ready` resolves once the peer is authenticated and
 * rejects with the handshake's error otherwise; the transport exposes the connection only then.
 * A link that breaks while a `LinkPolicy` says the peer is cut off is kept `silent`: it still
 * looks open (sends are dropped) until the policy heals or the owner closes it, because a
 * partition must look like silence, not like a hang-up. Likewise a handshake that fails because the
 * policy hid the peer's frames does not hang up while the cut lasts: the far side then times out
 * on its own, as it would behind a real partition.
 *
 * Example:
 * ```ts
 * const conn = new FramedConnection({ role: 'initiator', link: socketLink(socket), localName, options });
 * await conn.ready;
 * ```
 *
 * Extras beyond `Connection`: `pause()`/`resume()` reading (the peer's queue then fills),
 * `stats`, `remoteAddress`. Every abrupt close is logged at `warn` with the error's `code`; a
 * failed handshake (a stranger, most often) through the transport's rate-limited log instead.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { decodePayload, encodePayload } from '../../wire/codec.ts';
import { encodeFrame } from '../../wire/frame.ts';
import { FrameDecoder } from '../../wire/frame-decoder.ts';
import { encodeFrameScratch } from '../../wire/frame-encoder.ts';
import { Handshake, type NodeIdentity, type OutgoingMessage } from '../../wire/handshake.ts';
import { NONCE_BYTES, type HandshakeRole } from '../../wire/handshake-proof.ts';
import type { WireError } from '../../wire/errors.ts';
import { HandshakeProtocolError, HandshakeTimeoutError } from '../../wire/errors.ts';
import { HANDSHAKE_MESSAGE_TYPES, MessageType } from '../../wire/message-types.ts';
import {
  ConnectError,
  ConnectionLostError,
  InvalidMessageTypeError,
  MessageHandlerError,
  PeerClosedError,
  PeerTooSlowError,
  TransportClosedError,
} from './errors.ts';
import type { Link } from './link.ts';
import { HANDSHAKE_MAX_FRAME_BYTES, type ResolvedTransportOptions } from './options.ts';
import type { RateLimitedLog } from './rate-limited-log.ts';
import { SendQueue } from './send-queue.ts';
import type { Connection, LinkPolicy } from './types.ts';
import type { Timer } from './scheduler.ts';

export interface FramedConnectionOptions {
  readonly role: HandshakeRole;
  readonly link: Link;
  /** Our `localName` at the time the link was made. */
  readonly localName: string;
  readonly options: ResolvedTransportOptions;
  /** Current fault policy of the owning transport, if any (read on every frame). */
  readonly policy?: () => LinkPolicy | undefined;
  /** Where handshake failures are logged (rate-limited per transport). Default: `options.logger`. */
  readonly refusals?: RateLimitedLog;
  /**
   * Asked once the handshake authenticated a peer, before the connection opens: a refusal fails the
   * handshake (e.g. a TLS certificate that does not name the claimed node). Default: accept.
   */
  readonly verifyPeer?: (peerName: string) => Error | undefined;
}

export interface ConnectionStats {
  framesSent: number;
  framesReceived: number;
  framesDropped: number;
  bytesReceived: number;
  /** Link writes made; lower than `framesSent` when writes were coalesced. */
  readonly writes: number;
}

type State = 'handshaking' | 'open' | 'silent' | 'closed';

export class FramedConnection implements Connection {
  /** Resolves with this connection once authenticated; rejects with the handshake failure. */
  readonly ready: Promise<FramedConnection>;
  readonly remoteAddress: string;
  private readonly link: Link;
  private readonly localName: string;
  private readonly opts: ResolvedTransportOptions;
  private readonly log: Logger;
  private readonly refusals: Pick<RateLimitedLog, 'warn'>;
  private readonly policy: () => LinkPolicy | undefined;
  private readonly verifyPeer: ((peerName: string) => Error | undefined) | undefined;
  private readonly decoder: FrameDecoder;
  private readonly queue: SendQueue;
  private readonly handshake: Handshake;
  private state: State = 'handshaking';
  private peer: NodeIdentity | undefined;
  private handshakeTimer: Timer | undefined;
  private lingerTimer: Timer | undefined;
  private settle: { resolve: (c: FramedConnection) => void; reject: (e: Error) => void } | undefined;
  private readonly messageHandlers: Array<(type: number, payload: unknown) => void> = [];
  private inbox: Array<readonly [number, unknown]> = [];
  private inboxFlushScheduled = false;
  private closeWaiters: Array<(reason: Error | undefined) => void> = [];
  private closeReason: Error | undefined;
  private closeNotifyScheduled = false;
  private silentReason: Error | undefined;
  /** Set when the policy dropped a handshake frame: the peer (as far as known) it cut us from. */
  private handshakeCut: { readonly remote: string | undefined } | undefined;
  private unsubscribePolicy: (() => void) | undefined;
  private readonly counters = { framesSent: 0, framesReceived: 0, framesDropped: 0, bytesReceived: 0 };
  /** `sendable[type] === 1` for every type `send` accepts (accepted types minus the handshake's). */
  private readonly sendable: Uint8Array;

  constructor({ role, link, localName, options, policy, refusals, verifyPeer }: FramedConnectionOptions) {
    this.link = link;
    this.verifyPeer = verifyPeer;
    this.remoteAddress = link.remoteAddress;
    this.localName = localName;
    this.opts = options;
    this.log = options.logger;
    this.refusals = refusals ?? options.logger;
    this.policy = policy ?? (() => undefined);
    this.decoder = new FrameDecoder({
      maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES,
      messageTypes: options.messageTypes,
    });
    this.queue = new SendQueue(link, options.scheduler);
    this.sendable = new Uint8Array(256);
    for (const type of options.messageTypes) {
      if (type >= 0 && type < 256 && !HANDSHAKE_MESSAGE_TYPES.has(type)) this.sendable[type] = 1;
    }
    this.ready = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.handshake = new Handshake({
      role,
      local: { name: localName, incarnation: options.incarnation },
      cookie: options.cookie,
      nonce: randomBytes(NONCE_BYTES),
    });
    link.onData((chunk) => this.onData(chunk));
    link.onClose((error) => this.onLinkClosed(error));
    this.handshakeTimer = options.scheduler.setTimer(
      () => this.failHandshake(new HandshakeTimeoutError(options.handshakeTimeoutMs), []),
      options.handshakeTimeoutMs,
    );
    this.sendHandshake(this.handshake.start().send);
  }

  get peerName(): string {
    return this.peer?.name ?? '';
  }

  get peerIncarnation(): string {
    return this.peer?.incarnation ?? '';
  }

  get isOpen(): boolean {
    return this.state === 'open' || this.state === 'silent';
  }

  get framesSent(): number {
    return this.counters.framesSent;
  }

  get stats(): ConnectionStats {
    const queue = this.queue;
    return {
      ...this.counters,
      get writes() {
        return queue.writes;
      },
    };
  }

  /** Bytes waiting to reach the peer (our queue plus the link's buffer). */
  get queuedBytes(): number {
    return this.queue.queuedBytes;
  }

  send(type: number, payload: unknown): void {
    // The hot path of every message: no allocation besides what the encoder must produce.
    if (this.sendable[type] !== 1) throw new InvalidMessageTypeError(type);
    const frame = encodeFrameScratch(type, payload, this.opts.maxFrameBytes);
    if (this.state !== 'open') return;
    const policy = this.policy();
    let delay: number | 'drop' = 0;
    if (policy !== undefined) {
      delay = policy.outbound(this.localName, this.peerName, 'message');
      if (delay === 'drop') {
        this.counters.framesDropped++;
        return;
      }
    }
    this.counters.framesSent++;
    this.queue.pushBytes(frame, frame.start, frame.end, delay);
    const limit = this.opts.maxSendQueueBytes;
    if (this.queue.estimatedBytes > limit) {
      const queued = this.queue.queuedBytes;
      if (queued > limit) this.failWith(new PeerTooSlowError(this.peerName, queued, limit));
    }
  }

  onMessage(handler: (type: number, payload: unknown) => void): void {
    this.messageHandlers.push(handler);
    if (this.inbox.length > 0) this.scheduleInboxFlush();
  }

  onClose(handler: (reason: Error | undefined) => void): void {
    this.closeWaiters.push(handler);
    if (this.state === 'closed') this.scheduleCloseNotify();
  }

  close(reason?: Error): void {
    if (this.state === 'closed') return;
    if (this.state === 'handshaking') {
      // Only the owning transport's close() reaches a connection that is still authenticating.
      this.failHandshake(reason ?? new TransportClosedError(), []);
      return;
    }
    const wasSilent = this.state === 'silent';
    this.finish(reason);
    if (wasSilent) return;
    const goodbye = reason === undefined ? {} : { code: codeOf(reason), message: reason.message };
    this.enqueue(encodeFrame(MessageType.Goodbye, encodePayload(goodbye)), 'control');
    this.endGracefully();
  }

  /** Stops reading from the peer (its send queue fills up); `resume()` undoes it. */
  pause(): void {
    this.link.pause();
  }

  resume(): void {
    this.link.resume();
  }

  // ---- reading -------------------------------------------------------------------------------

  private onData(chunk: Uint8Array): void {
    if (this.state === 'closed') return;
    this.counters.bytesReceived += chunk.length;
    const decoder = this.decoder;
    decoder.push(chunk);
    this.readFrames(decoder);
    // A partial frame must not stay a view of a read buffer the link is about to reuse.
    if (this.link.transientChunks && decoder.bufferedBytes > 0) decoder.ownBufferedBytes();
  }

  /** Every whole frame buffered, decoded in place (no copies, no allocation per frame). */
  private readFrames(decoder: FrameDecoder): void {
    while (this.state === 'handshaking' || this.state === 'open') {
      try {
        if (!decoder.nextFrame()) return;
      } catch (err) {
        this.failWith(err as WireError);
        return;
      }
      this.counters.framesReceived++;
      if (this.state === 'handshaking') this.onHandshakeFrame(decoder);
      else this.onMessageFrame(decoder.frameType, decoder.frameBytes, decoder.frameStart, decoder.frameEnd);
    }
  }

  private onHandshakeFrame(frame: FrameDecoder): void {
    if (!HANDSHAKE_MESSAGE_TYPES.has(frame.frameType)) {
      this.failHandshake(
        new HandshakeProtocolError(`message type ${frame.frameType} before authentication`),
        [],
      );
      return;
    }
    const type = frame.frameType;
    let payload: unknown;
    try {
      payload = decodePayload(frame.frameBytes, frame.frameStart, frame.frameEnd);
    } catch (err) {
      this.failHandshake(new HandshakeProtocolError('undecodable handshake message', { cause: err }), []);
      return;
    }
    const claimed = this.handshake.claimedPeerName ?? claimedName(payload);
    if (!(this.policy()?.inbound(this.localName, claimed) ?? true)) {
      this.counters.framesDropped++;
      this.handshakeCut = { remote: claimed };
      return;
    }
    const out = this.handshake.receive(type, payload);
    if (out.error) {
      this.failHandshake(out.error, out.send);
      return;
    }
    const refusal = out.peer === undefined ? undefined : this.verifyPeer?.(out.peer.name);
    if (refusal !== undefined) {
      this.failHandshake(refusal, []);
      return;
    }
    this.sendHandshake(out.send);
    if (out.peer) {
      this.handshakeTimer?.cancel();
      this.peer = out.peer;
      this.state = 'open';
      this.decoder.maxFrameBytes = this.opts.maxFrameBytes;
      this.log.debug({ peer: out.peer.name, remote: this.remoteAddress }, 'connection authenticated');
      this.settle?.resolve(this);
    }
  }

  private onMessageFrame(type: number, bytes: Uint8Array, start: number, end: number): void {
    if (type <= MAX_HANDSHAKE_TYPE && HANDSHAKE_MESSAGE_TYPES.has(type)) {
      this.failWith(new HandshakeProtocolError(`handshake message type ${type} after authentication`));
      return;
    }
    const policy = this.policy();
    if (policy !== undefined && !policy.inbound(this.localName, this.peerName)) {
      this.counters.framesDropped++;
      return;
    }
    let payload: unknown;
    try {
      payload = decodePayload(bytes, start, end);
    } catch (err) {
      this.failWith(err as WireError);
      return;
    }
    if (type === MessageType.Goodbye) {
      this.onGoodbye(payload);
      return;
    }
    if (this.messageHandlers.length === 0 || this.inbox.length > 0) {
      this.inbox.push([type, payload]);
      if (this.messageHandlers.length > 0) this.scheduleInboxFlush();
      return;
    }
    this.deliver(type, payload);
  }

  private deliver(type: number, payload: unknown): boolean {
    for (const handler of this.messageHandlers) {
      try {
        handler(type, payload);
      } catch (err) {
        this.log.error({ err, peer: this.peerName, type }, 'message handler threw; closing connection');
        this.abort(new MessageHandlerError(this.peerName, type, err));
        return false;
      }
    }
    return true;
  }

  private scheduleInboxFlush(): void {
    if (this.inboxFlushScheduled) return;
    this.inboxFlushScheduled = true;
    this.opts.scheduler.defer(() => {
      this.inboxFlushScheduled = false;
      while (this.inbox.length > 0) {
        const [type, payload] = this.inbox.shift()!;
        if (!this.deliver(type, payload)) this.inbox = [];
      }
      if (this.state === 'closed') this.scheduleCloseNotify();
    });
  }

  private onGoodbye(payload: unknown): void {
    const record =
      typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
    const code = typeof record['code'] === 'string' ? record['code'].slice(0, 64) : undefined;
    const message = typeof record['message'] === 'string' ? record['message'].slice(0, 512) : '';
    this.finish(code === undefined ? undefined : new PeerClosedError(this.peerName, code, message));
    this.endGracefully();
  }

  // ---- writing -------------------------------------------------------------------------------

  private sendHandshake(messages: readonly OutgoingMessage[]): void {
    for (const { type, payload } of messages) {
      this.enqueue(encodeFrame(type, encodePayload(payload), HANDSHAKE_MAX_FRAME_BYTES), 'control');
    }
  }

  private enqueue(frame: Uint8Array, kind: 'control' | 'message'): void {
    const remote = this.peer?.name ?? this.handshake.claimedPeerName;
    const decision = this.policy()?.outbound(this.localName, remote, kind) ?? 0;
    if (decision === 'drop') {
      this.counters.framesDropped++;
      if (this.state === 'handshaking') this.handshakeCut = { remote };
      return;
    }
    this.counters.framesSent++;
    this.queue.push(frame, decision);
  }

  // ---- closing -------------------------------------------------------------------------------

  private onLinkClosed(error: Error | undefined): void {
    this.lingerTimer?.cancel();
    if (this.state === 'closed') this.unsubscribePolicy?.();
    if (this.state === 'closed' || this.state === 'silent') return;
    if (this.state === 'handshaking') {
      // Also where a TLS 1.3 peer's certificate refusal surfaces (after the TLS handshake).
      const failure = new ConnectError(this.remoteAddress, error ?? new Error('closed during the handshake'));
      const policy = this.policy();
      if (policy !== undefined && this.stillCut()) {
        // A hang-up from behind the cut must look like silence: our own handshake timeout ends
        // the dial, unless the cut heals first.
        this.unsubscribePolicy = policy.onChange(() => {
          if (!this.stillCut()) this.failHandshake(failure, []);
        });
        return;
      }
      this.failHandshake(failure, []);
      return;
    }
    const reason = new ConnectionLostError(this.peerName, error);
    const policy = this.policy();
    if (policy?.isCut(this.localName, this.peerName)) {
      this.state = 'silent';
      this.silentReason = reason;
      this.unsubscribePolicy = policy.onChange(() => {
        if (this.state === 'silent' && !policy.isCut(this.localName, this.peerName))
          this.finish(this.silentReason);
      });
      return;
    }
    this.log.warn({ code: reason.code, peer: this.peerName, err: error }, 'connection lost');
    this.finish(reason);
  }

  private failHandshake(error: Error, farewell: readonly OutgoingMessage[]): void {
    if (this.state !== 'handshaking') return;
    this.handshakeTimer?.cancel();
    this.unsubscribePolicy?.();
    this.unsubscribePolicy = undefined;
    const code = codeOf(error);
    this.refusals.warn(
      { code, remote: this.remoteAddress, peer: this.handshake.claimedPeerName, err: error },
      code === 'ERR_HANDSHAKE_AUTH'
        ? 'handshake failed: wrong cookie (the peer and this node do not share the cluster cookie)'
        : 'handshake failed',
    );
    this.state = 'closed';
    this.closeReason = error;
    this.settle?.reject(error);
    if (farewell.length > 0) {
      this.sendHandshake(farewell);
      this.endGracefully();
      return;
    }
    this.queue.stop();
    const policy = this.policy();
    if (policy !== undefined && this.stillCut()) {
      // Behind the cut our hang-up would not reach the peer either: hold the link until it heals
      // (or the peer gives up and closes it).
      this.unsubscribePolicy = policy.onChange(() => {
        if (this.stillCut()) return;
        this.unsubscribePolicy?.();
        this.link.destroy();
      });
      return;
    }
    this.link.destroy();
  }

  /** True while the policy still cuts us from the peer that a dropped handshake frame was for. */
  private stillCut(): boolean {
    const cut = this.handshakeCut;
    return cut !== undefined && !(this.policy()?.inbound(this.localName, cut.remote) ?? true);
  }

  /** Closes abruptly after a protocol error or overload, logging why. */
  private failWith(error: WireError): void {
    if (this.state === 'handshaking') {
      this.failHandshake(error, []);
      return;
    }
    this.log.warn(
      { code: error.code, peer: this.peerName, remote: this.remoteAddress, err: error },
      'closing connection',
    );
    this.abort(error);
  }

  private abort(error: Error): void {
    if (this.state === 'closed') return;
    this.finish(error);
    this.queue.stop();
    this.link.destroy();
  }

  private endGracefully(): void {
    this.queue.flushAll();
    this.link.end();
    this.lingerTimer = this.opts.scheduler.setTimer(() => this.link.destroy(), this.opts.closeLingerMs);
  }

  /** Marks the connection closed and notifies close handlers (asynchronously, after the inbox). */
  private finish(reason: Error | undefined): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeReason = reason;
    this.unsubscribePolicy?.();
    this.scheduleCloseNotify();
  }

  /**
   * Close handlers run after every message already received has been delivered: in a microtask
   * when none is waiting (a lost peer is reported in the same turn of the event loop), else after
   * the inbox's own flush.
   */
  private scheduleCloseNotify(): void {
    if (this.closeNotifyScheduled || this.closeWaiters.length === 0) return;
    this.closeNotifyScheduled = true;
    const notify = (): void => {
      this.closeNotifyScheduled = false;
      if (this.inbox.length > 0 && this.messageHandlers.length > 0) return;
      const waiters = this.closeWaiters;
      this.closeWaiters = [];
      for (const waiter of waiters) {
        try {
          waiter(this.closeReason);
        } catch (err) {
          this.log.error({ err, peer: this.peerName }, 'close handler threw');
        }
      }
    };
    if (this.inbox.length === 0) queueMicrotask(notify);
    else this.opts.scheduler.defer(notify);
  }
}

/** Handshake ids are all below this bound (see `wire/message-types.ts`: 1–31 are the transport's). */
const MAX_HANDSHAKE_TYPE = Math.max(...HANDSHAKE_MESSAGE_TYPES);

function codeOf(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}

function claimedName(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const name = (payload as Record<string, unknown>)['name'];
  return typeof name === 'string' ? name : undefined;
}
