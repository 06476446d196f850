// A snapshot of a large state is captured at once and encoded across turns of the event loop: the
// member keeps committing and applying meanwhile, installs the snapshot at the index it was
// captured at, and a restart from that snapshot plus the log after it has every write.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startNode, type ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import { RaftDriver } from '../../packages/runtime/src/raft/driver/index.ts';
import { encodeCommand, TableMachine } from '../../packages/runtime/src/raft/tables/index.ts';
import type { ApplyOutcome } from '../../packages/runtime/src/raft/tables/index.ts';
import { freePort } from '../../packages/runtime/src/testing/free-port.ts';
import { COOKIE, waitFor } from './helpers.ts';

/** A table machine whose sliced snapshots finish only when the test opens the gate. */
class GatedMachine extends TableMachine {
  /** The member's applied index at each capture (set once the driver runs). */
  appliedIndex: () => number = () => -1;
  readonly captured: number[] = [];
  readonly inOneGo: number[] = [];
  private readonly opens: (() => void)[] = [];

  override snapshotLater(): Promise<Uint8Array> {
    this.captured.push(this.appliedIndex());
    const bytes = super.snapshotLater();
    return new Promise<void>((resolve) => this.opens.push(resolve)).then(() => bytes);
  }

  override snapshot(): Uint8Array {
    this.inOneGo.push(this.appliedIndex());
    return super.snapshot();
  }

  /** Lets the n-th sliced snapshot (from 0) finish. */
  release(n: number): void {
    this.opens[n]!();
  }
}

const put = (key: string, value: number): Uint8Array =>
  encodeCommand({ kind: 'txn', ops: [{ op: 'put', table: 't', key, value }] });

async function startSolo(port: number, dataDir: string, machine: TableMachine) {
  const node: ClusterNode = await startNode({ name: 'solo', cookie: COOKIE, port });
  const driver = await RaftDriver.start<ApplyOutcome>({
    node,
    voters: [node.name],
    machine,
    dataDir,
    snapshotMinEntries: 20,
    snapshotEntries: 20,
    snapshotInSlicesFrom: 0,
  });
  return { node, driver };
}

test('a sliced snapshot lets the member go on applying and is installed at the index it was captured at', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'raft-snapshot-later-'));
  const port = await freePort();
  const machine = new GatedMachine();
  let solo = await startSolo(port, dir, machine);
  machine.appliedIndex = () => solo.driver.status().applied;
  t.after(async () => {
    await solo.driver.close().catch(() => {});
    await solo.node.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (let i = 0; i < 25; i++) await solo.driver.submit(put(`k${i}`, i));
  await waitFor(() => machine.captured.length === 1, 5000, 'a snapshot was captured');
  const at = machine.captured[0]!;
  assert.equal(machine.inOneGo.length, 0, 'not taken in one go');

  // The encoding is held: writes still commit and apply, and no snapshot is installed yet.
  for (let i = 25; i < 60; i++) await solo.driver.submit(put(`k${i}`, i));
  assert.ok(solo.driver.status().applied > at + 30);
  assert.ok(at >= 20, `captured after the fewest entries (at ${at})`);
  assert.ok(solo.driver.status().snapshotIndex < at, 'not installed while encoding');
  assert.equal(machine.captured.length, 1, 'one snapshot at a time');

  machine.release(0);
  await waitFor(() => solo.driver.status().snapshotIndex === at, 5000, 'installed at the captured index');
  await waitFor(
    () => machine.captured.length === 2,
    5000,
    'the entries applied meanwhile count toward the next',
  );
  assert.ok(machine.captured[1]! > at);
  machine.release(1);
  await waitFor(() => solo.driver.status().snapshotIndex === machine.captured[1], 5000, 'the next installed');

  // Restarted from the snapshot and the log after it, the member has every write.
  await solo.driver.close();
  await solo.node.stop();
  const again = new TableMachine();
  solo = await startSolo(port, dir, again);
  assert.ok(solo.driver.status().snapshotIndex >= at, 'restored from a snapshot');
  await waitFor(() => again.size('t') === 60, 5000, 'every write is back');
  for (let i = 0; i < 60; i++) assert.equal(again.get('t', `k${i}`)?.value, i);
});
