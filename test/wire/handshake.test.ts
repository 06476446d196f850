// The handshake state machine, driven message by message without any socket.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Handshake } from '../../packages/runtime/src/wire/handshake.ts';
import type {
  HandshakeOutput,
  NodeIdentity,
  OutgoingMessage,
} from '../../packages/runtime/src/wire/handshake.ts';
import {
  NONCE_BYTES,
  deriveKey,
  handshakeProof,
  verifyProof,
} from '../../packages/runtime/src/wire/handshake-proof.ts';
import { decodePayload, encodePayload } from '../../packages/runtime/src/wire/codec.ts';
import { MessageType } from '../../packages/runtime/src/wire/message-types.ts';
import { CookieTooShortError } from '../../packages/runtime/src/wire/errors.ts';
import { MIN_COOKIE_BYTES } from '../../packages/runtime/src/wire/cookie-key.ts';

const gotham: NodeIdentity = { name: 'gotham@10.0.0.1:4800', incarnation: 'g-1' };
const metropolis: NodeIdentity = { name: 'metropolis@10.0.0.2:4800', incarnation: 'm-1' };

function pair(initiatorCookie = 'a-shared-cluster-secret', responderCookie = 'a-shared-cluster-secret') {
  const initiator = new Handshake({
    role: 'initiator',
    local: gotham,
    cookie: initiatorCookie,
    nonce: randomBytes(NONCE_BYTES),
  });
  const responder = new Handshake({
    role: 'responder',
    local: metropolis,
    cookie: responderCookie,
    nonce: randomBytes(NONCE_BYTES),
  });
  return { initiator, responder };
}

/** Sends messages through the codec, as the wire would. */
function wire(messages: readonly OutgoingMessage[]): OutgoingMessage[] {
  return messages.map(({ type, payload }) => ({ type, payload: decodePayload(encodePayload(payload)) }));
}

function deliver(to: Handshake, out: HandshakeOutput): HandshakeOutput {
  const [message, ...rest] = wire(out.send);
  assert.ok(message, 'nothing to deliver');
  assert.equal(rest.length, 0);
  return to.receive(message.type, message.payload);
}

describe('handshake', () => {
  it('authenticates both sides in four messages when the cookies match', () => {
    const { initiator, responder } = pair();
    const hello = initiator.start();
    assert.equal(hello.send[0]?.type, MessageType.HandshakeHello);
    assert.deepEqual(responder.start().send, []);
    const challenge = deliver(responder, hello);
    assert.equal(challenge.send[0]?.type, MessageType.HandshakeChallenge);
    const proof = deliver(initiator, challenge);
    assert.equal(proof.send[0]?.type, MessageType.HandshakeProof);
    const accept = deliver(responder, proof);
    assert.equal(accept.send[0]?.type, MessageType.HandshakeAccept);
    assert.deepEqual(accept.peer, gotham);
    const done = deliver(initiator, accept);
    assert.deepEqual(done.peer, metropolis);
    assert.deepEqual(done.send, []);
  });

  it('with a wrong cookie, the responder refuses with a Reject and both sides fail with HandshakeAuthError', () => {
    const { initiator, responder } = pair('a-shared-cluster-secret', 'another-cluster-secret');
    const proof = deliver(initiator, deliver(responder, initiator.start()));
    const refused = deliver(responder, proof);
    assert.equal(refused.error?.code, 'ERR_HANDSHAKE_AUTH');
    assert.equal(refused.peer, undefined);
    assert.equal(refused.send[0]?.type, MessageType.HandshakeReject);
    const atInitiator = deliver(initiator, refused);
    assert.equal(atInitiator.error?.code, 'ERR_HANDSHAKE_AUTH');
  });

  it('reveals no proof before the initiator has proven itself', () => {
    const { initiator, responder } = pair();
    const challenge = deliver(responder, initiator.start());
    const payload = challenge.send[0]!.payload as Record<string, unknown>;
    assert.equal('mac' in payload, false);
  });

  it('binds the names: a proof made for another initiator name does not verify', () => {
    const { initiator, responder } = pair();
    const hello = wire(initiator.start().send)[0]!;
    const challenge = wire(responder.receive(hello.type, hello.payload).send)[0]!;
    const c = challenge.payload as { nonce: Uint8Array };
    const h = hello.payload as { nonce: Uint8Array };
    const forged = handshakeProof(deriveKey('a-shared-cluster-secret', 'handshake'), 'initiator', {
      initiatorName: 'joker@10.0.0.9:4800',
      initiatorIncarnation: gotham.incarnation,
      initiatorNonce: h.nonce,
      responderName: metropolis.name,
      responderIncarnation: metropolis.incarnation,
      responderNonce: c.nonce,
    });
    const out = responder.receive(MessageType.HandshakeProof, { mac: forged });
    assert.equal(out.error?.code, 'ERR_HANDSHAKE_AUTH');
  });

  it('binds the nonces: a proof replayed from an earlier handshake does not verify', () => {
    const first = pair();
    const proof = wire(deliver(first.initiator, deliver(first.responder, first.initiator.start())).send)[0]!;
    const second = pair();
    deliver(second.responder, second.initiator.start());
    const out = second.responder.receive(proof.type, proof.payload);
    assert.equal(out.error?.code, 'ERR_HANDSHAKE_AUTH');
  });

  it('binds the direction: a responder-labelled proof is not accepted as the initiator’s', () => {
    const { initiator, responder } = pair();
    const hello = wire(initiator.start().send)[0]!;
    const challenge = wire(responder.receive(hello.type, hello.payload).send)[0]!;
    const transcript = {
      initiatorName: gotham.name,
      initiatorIncarnation: gotham.incarnation,
      initiatorNonce: (hello.payload as { nonce: Uint8Array }).nonce,
      responderName: metropolis.name,
      responderIncarnation: metropolis.incarnation,
      responderNonce: (challenge.payload as { nonce: Uint8Array }).nonce,
    };
    const key = deriveKey('a-shared-cluster-secret', 'handshake');
    assert.ok(verifyProof(key, 'initiator', transcript, handshakeProof(key, 'initiator', transcript)));
    const reflected = handshakeProof(key, 'responder', transcript);
    assert.equal(
      responder.receive(MessageType.HandshakeProof, { mac: reflected }).error?.code,
      'ERR_HANDSHAKE_AUTH',
    );
  });

  it('refuses anything but the expected message, with a Reject the peer can log', () => {
    const { responder } = pair();
    const out = responder.receive(MessageType.Heartbeat, { seq: 1 });
    assert.equal(out.error?.code, 'ERR_HANDSHAKE_PROTOCOL');
    assert.equal(out.send[0]?.type, MessageType.HandshakeReject);
    assert.equal(responder.receive(MessageType.HandshakeHello, {}).error?.code, 'ERR_HANDSHAKE_PROTOCOL');
  });

  it('refuses malformed fields: missing nonce, short nonce, empty or oversized names', () => {
    const nonce = randomBytes(NONCE_BYTES);
    const bad = [
      { v: 1, name: 'a', incarnation: 'i' },
      { v: 1, name: 'a', incarnation: 'i', nonce: randomBytes(8) },
      { v: 1, name: '', incarnation: 'i', nonce },
      { v: 1, name: 'x'.repeat(300), incarnation: 'i', nonce },
      { v: 1, name: 'a', incarnation: 7, nonce },
      { v: 2, name: 'a', incarnation: 'i', nonce },
      'not a map',
      [1, 2, 3],
    ];
    for (const payload of bad) {
      const { responder } = pair();
      assert.equal(
        responder.receive(MessageType.HandshakeHello, payload).error?.code,
        'ERR_HANDSHAKE_PROTOCOL',
        JSON.stringify(payload),
      );
    }
  });

  it('detects a node dialling itself', () => {
    const nonceA = randomBytes(NONCE_BYTES);
    const self = new Handshake({
      role: 'initiator',
      local: gotham,
      cookie: 'a-shared-cluster-secret',
      nonce: nonceA,
    });
    const me = new Handshake({
      role: 'responder',
      local: gotham,
      cookie: 'a-shared-cluster-secret',
      nonce: randomBytes(NONCE_BYTES),
    });
    const refused = deliver(me, self.start());
    assert.equal(refused.error?.code, 'ERR_HANDSHAKE_SELF');
    assert.equal(deliver(self, refused).error?.code, 'ERR_HANDSHAKE_SELF');
  });

  it('accepts the same name with another incarnation (a restarted node is the caller’s business)', () => {
    const restarted = new Handshake({
      role: 'initiator',
      local: { name: gotham.name, incarnation: 'g-2' },
      cookie: 'a-shared-cluster-secret',
      nonce: randomBytes(NONCE_BYTES),
    });
    const old = new Handshake({
      role: 'responder',
      local: gotham,
      cookie: 'a-shared-cluster-secret',
      nonce: randomBytes(NONCE_BYTES),
    });
    const accept = deliver(old, deliver(restarted, deliver(old, restarted.start())));
    assert.deepEqual(accept.peer, { name: gotham.name, incarnation: 'g-2' });
  });

  it('turns an unknown Reject code into HandshakeRefusedError with the remote code', () => {
    const { initiator } = pair();
    initiator.start();
    const out = initiator.receive(MessageType.HandshakeReject, { code: 'ERR_BUSY', message: 'try later' });
    assert.equal(out.error?.code, 'ERR_HANDSHAKE_REFUSED');
    assert.equal((out.error as { remoteCode?: string }).remoteCode, 'ERR_BUSY');
  });

  it('refuses a cookie shorter than 16 bytes with CookieTooShortError, before any message', () => {
    for (const cookie of ['', 'secret', 'x'.repeat(MIN_COOKIE_BYTES - 1)]) {
      assert.throws(
        () => new Handshake({ role: 'initiator', local: gotham, cookie, nonce: randomBytes(NONCE_BYTES) }),
        (err: unknown) => err instanceof CookieTooShortError && err.code === 'ERR_COOKIE_TOO_SHORT',
      );
    }
    // Bytes, not characters: eight two-byte characters are 16 bytes.
    assert.doesNotThrow(() => deriveKey('é'.repeat(8), 'handshake'));
  });

  it('derives unrelated 32-byte keys per purpose and per cookie', () => {
    const a = deriveKey('a-shared-cluster-secret', 'handshake');
    assert.equal(a.length, 32);
    assert.deepEqual(a, deriveKey('a-shared-cluster-secret', 'handshake'));
    assert.notDeepEqual(a, deriveKey('a-shared-cluster-secret', 'gossip'));
    assert.notDeepEqual(a, deriveKey('a-shared-cluster-secreT', 'handshake'));
  });
});
