// Loopback addresses and the Host allowlist: IP literals and localhost pass, other names only when
// configured; malformed Host headers never pass.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { hostAllowed, hostNameOf, isLoopbackHost } from '../../src/dispatch/web/loopback.ts';

it('loopback: 127/8, ::1, localhost and their mapped forms; not the wildcard or an interface address', () => {
  for (const h of [
    '127.0.0.1',
    '127.1.2.3',
    '::1',
    '[::1]',
    'localhost',
    'LOCALHOST',
    'app.localhost',
    '::ffff:127.0.0.1',
  ])
    assert.equal(isLoopbackHost(h), true, h);
  for (const h of [
    '0.0.0.0',
    '::',
    '192.0.2.2',
    '10.0.0.1',
    'example.com',
    '128.0.0.1',
    'localhost.evil.example',
  ])
    assert.equal(isLoopbackHost(h), false, h);
});

it('Host names are parsed with and without ports and brackets; malformed ones are undefined', () => {
  assert.equal(hostNameOf('Example.com:4900'), 'example.com');
  assert.equal(hostNameOf('[::1]:4900'), '::1');
  assert.equal(hostNameOf('10.0.0.5'), '10.0.0.5');
  for (const bad of ['[::1', 'a b', 'host:port', '[::1]x', 'x:1:2'])
    assert.equal(hostNameOf(bad), undefined, bad);
});

it('the allowlist: IP literals, localhost and configured names; DNS-rebinding names refused', () => {
  const extra = new Set(['dispatch.example.com']);
  for (const h of [
    '127.0.0.1:4900',
    '10.0.0.5:4900',
    '[::1]:4900',
    'localhost:4900',
    'dispatch.example.com',
    'DISPATCH.example.com:443',
  ])
    assert.equal(hostAllowed(h, extra), true, h);
  for (const h of [
    undefined,
    '',
    'evil.example',
    'evil.example:4900',
    'example.com',
    'dispatch.example.com.evil.example',
  ])
    assert.equal(hostAllowed(h, extra), false, String(h));
});
