/**
 * The etcd test harness: a real 3-member cluster on loopback that elects a new leader when its
 * leader is killed with SIGKILL and takes the member back after a restart from its data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  etcdBinary,
  ETCD_INSTALL_HINT,
  memberStatus,
  startEtcdCluster,
} from '../../packages/runtime/src/testing/etcd/index.ts';
import { settlesWithin } from '../../packages/runtime/src/testing/hang-guard.ts';

const binary = etcdBinary();
const skip = binary === undefined ? `etcd not installed: ${ETCD_INSTALL_HINT}` : false;

test(
  'a 3-member etcd cluster elects a new leader after its leader is killed, and takes it back',
  { skip },
  async () => {
    const cluster = await startEtcdCluster({ binary: binary! });
    try {
      const first = await cluster.leaderIndex();
      await cluster.kill(first);
      const second = await settlesWithin(cluster.leaderIndex(), 60_000, 'a new leader');
      assert.notEqual(second, first, 'the killed member cannot be leader');
      await cluster.restart(first);
      const status = await memberStatus(cluster.members[first]!.clientUrl);
      assert.ok(status !== undefined && status.leader !== '0', 'the restarted member follows a leader');
    } finally {
      await cluster.stop();
    }
  },
);
