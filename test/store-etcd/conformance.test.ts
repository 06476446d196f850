/**
 * The store conformance suite against the etcd store on a real 3-member etcd cluster.
 */
import { test } from 'node:test';
import { storeConformance } from '../../packages/runtime/src/testing/conformance/store.ts';
import { sharedEtcd } from '../../packages/runtime/src/testing/etcd/fixture.ts';

const etcd = sharedEtcd();

if (etcd.skip !== false) {
  test('etcd store conformance', { skip: etcd.skip }, () => undefined);
} else {
  storeConformance('etcd', { create: () => etcd.store('conformance') });
}
