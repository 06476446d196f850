/**
 * The advertised address (`chooseAdvertiseHost`): `--advertise-host` wins, an unspecified address
 * is never advertised, and a wildcard bind picks the host's first non-loopback address.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { NetworkInterfaceInfo } from 'node:os';
import { AdvertiseHostError, chooseAdvertiseHost } from '../../src/cli/advertise.ts';

function nic(address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo {
  return {
    address,
    family,
    internal,
    netmask: '',
    mac: '00:00:00:00:00:00',
    cidr: null,
  } as NetworkInterfaceInfo;
}

const interfaces = {
  lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
  eth0: [nic('fe80::1', 'IPv6'), nic('10.0.0.2', 'IPv4')],
};

test('a specific bind address is advertised as it is', () => {
  assert.deepEqual(chooseAdvertiseHost({ host: '10.0.0.9', interfaces }), {
    host: '10.0.0.9',
    picked: false,
  });
});

test('--advertise-host wins over the bind address', () => {
  assert.deepEqual(chooseAdvertiseHost({ host: '0.0.0.0', advertiseHost: 'gotham.example', interfaces }), {
    host: 'gotham.example',
    picked: false,
  });
});

test('binding 0.0.0.0 without --advertise-host picks the first non-loopback IPv4 address', () => {
  assert.deepEqual(chooseAdvertiseHost({ host: '0.0.0.0', interfaces }), { host: '10.0.0.2', picked: true });
});

test('an unspecified address is refused as --advertise-host, and a wildcard bind with no address too', () => {
  for (const bad of ['0.0.0.0', '::', '[::]']) {
    assert.throws(
      () => chooseAdvertiseHost({ host: '0.0.0.0', advertiseHost: bad, interfaces }),
      (e: unknown) => e instanceof AdvertiseHostError && /not an address peers can dial/.test(e.message),
    );
  }
  assert.throws(
    () => chooseAdvertiseHost({ host: '::', interfaces: { lo: interfaces.lo } }),
    (e: unknown) => e instanceof AdvertiseHostError && /pass --advertise-host/.test(e.message),
  );
});
