// Binding node names to certificates: the names a certificate carries (CN, DNS SANs) and the check
// of a claimed `name@host:port` against them.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  PeerIdentityError,
  certificateNames,
  checkPeerName,
} from '../../packages/runtime/src/cluster/transport/tls-identity.ts';

it('a certificate names its CN and its DNS SANs, not its IP SANs', () => {
  const names = certificateNames({
    subject: { CN: 'Gotham' } as never,
    subjectaltname: 'DNS:gotham.example.com, IP Address:10.0.0.1, DNS:gotham',
  });
  assert.deepEqual(names, ['gotham', 'gotham.example.com', 'gotham']);
  assert.deepEqual(certificateNames(undefined), []);
});

it('a claimed name passes only when the certificate carries its short name', () => {
  const names = ['gotham', 'gotham.example.com'];
  assert.equal(checkPeerName(names, 'gotham@10.0.0.1:4370'), undefined);
  assert.equal(checkPeerName(names, 'gotham'), undefined);
  const refusal = checkPeerName(names, 'metropolis@10.0.0.2:4370');
  assert.ok(refusal instanceof PeerIdentityError);
  assert.equal(refusal.code, 'ERR_PEER_IDENTITY');
  assert.ok(checkPeerName([], 'gotham@h:1') instanceof PeerIdentityError);
  assert.ok(checkPeerName(names, 'gotham.example.com@h:1') === undefined, 'a DNS SAN may be the node name');
});
