import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import type { Store } from '../../packages/runtime/src/store/types.ts';
import { startCrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import { startRaftStore } from '../../packages/runtime/src/store/raft-store.ts';
import type { Chat, History } from '../../examples/chat/index.ts';
import { ChatInputError, startChat } from '../../examples/chat/index.ts';
import { startMeshed, waitFor } from './helpers.ts';

interface Member {
  readonly node: ClusterNode;
  readonly raft: Store;
  readonly crdt: Store;
  readonly chat: Chat;
  stopped: boolean;
}

/** Three meshed nodes, each with a Raft store (all three voters), a CRDT replica and the chat. */
async function chatCluster(t: { after: (fn: () => Promise<void>) => void }): Promise<Member[]> {
  const nodes = await startMeshed(['ada', 'bo', 'cy']);
  const voters = nodes.map((n) => n.name);
  const members = await Promise.all(
    nodes.map(async (node) => {
      const [raft, crdt] = await Promise.all([startRaftStore({ node, voters }), startCrdtStore({ node })]);
      return { node, raft, crdt, chat: await startChat({ node, raft, crdt }), stopped: false };
    }),
  );
  t.after(async () => {
    for (const m of members.filter((x) => !x.stopped)) await m.chat.stop({ handOff: false });
    await Promise.all(
      members.filter((m) => !m.stopped).map((m) => Promise.all([m.raft.close(), m.crdt.close()])),
    );
    await Promise.all(members.filter((m) => !m.stopped).map((m) => m.node.stop()));
  });
  await waitFor(() => members.every((m) => m.raft.writable()), 10_000, 'a leader known to every member');
  return members;
}

/** The node goes away without handing anything over, as a crashed process does. */
async function kill(m: Member): Promise<void> {
  m.stopped = true;
  await m.node.stop();
  await m.chat.stop({ handOff: false });
  await Promise.all([m.raft.close(), m.crdt.close()]);
}

const USERS = ['alice', 'bob', 'carol'] as const;

/** alice joins `room` through the first node, bob through the second, carol through the third. */
async function joinAll(members: readonly Member[], room: string): Promise<void> {
  for (const [i, user] of USERS.entries()) await members[i]!.chat.join(user, room);
}

test('messages said through every node are in the room history read on every node, in order', async (t) => {
  const members = await chatCluster(t);
  await joinAll(members, 'lobby');
  const said: string[] = [];
  for (let round = 0; round < 2; round++)
    for (const [i, user] of USERS.entries()) {
      const text = `${user} ${round}`;
      const msg = await members[i]!.chat.say(user, 'lobby', text);
      assert.deepEqual([msg.user, msg.room, msg.text], [user, 'lobby', text]);
      said.push(`${user}: ${text}`);
    }
  for (const m of members) {
    const history = await m.chat.history('lobby', 100);
    assert.deepEqual(
      history.map((h) => `${h.user}: ${h.text}`),
      said,
    );
    assert.deepEqual(await m.chat.members('lobby'), [...USERS]);
  }
  // Every node's own replica of the table holds them too (a local read, no quorum round).
  await waitFor(
    async () => {
      const local = await Promise.all(
        members.map((m) => m.raft.table<History>('history').get('lobby', { stale: true })),
      );
      return local.every((h) => h?.value.messages.map((x) => `${x.user}: ${x.text}`).join() === said.join());
    },
    10_000,
    'history on every replica',
  );
  const last = await members[1]!.chat.history('lobby', 2);
  assert.deepEqual(
    last.map((h) => h.text),
    ['bob 1', 'carol 1'],
    'history(room, n) is the last n',
  );
  assert.deepEqual(await members[2]!.chat.history('empty-room', 10), []);
  assert.deepEqual(await members[2]!.chat.history('lobby', 0), []);
});

test('presence converges: every replica has each user on the node they joined through, in their rooms', async (t) => {
  const members = await chatCluster(t);
  await joinAll(members, 'lobby');
  await members[0]!.chat.join('alice', 'news');
  await members[1]!.chat.leave('bob', 'lobby');
  const expected = {
    alice: { node: members[0]!.node.name, rooms: ['lobby', 'news'] },
    bob: { node: members[1]!.node.name, rooms: [] },
    carol: { node: members[2]!.node.name, rooms: ['lobby'] },
  };
  const view = async (m: Member): Promise<unknown> =>
    Object.fromEntries(
      Object.entries(await m.chat.presence()).map(([u, p]) => [u, { node: p.node, rooms: [...p.rooms] }]),
    );
  await waitFor(
    async () =>
      (await Promise.all(members.map(view))).every((v) => JSON.stringify(v) === JSON.stringify(expected)),
    10_000,
    'presence converges on every replica',
  );
  for (const m of members) assert.deepEqual(await view(m), expected);
  assert.deepEqual(await members[2]!.chat.members('lobby'), ['alice', 'carol']);
});

test('a room survives the loss of its node: members rebuilt from live presence, history kept and read linearizably', async (t) => {
  const members = await chatCluster(t);
  await joinAll(members, 'lobby');
  for (const [i, user] of USERS.entries()) await members[i]!.chat.say(user, 'lobby', `hi from ${user}`);
  // The rebuild reads presence from the survivors' replicas: let it reach them first.
  await waitFor(
    async () =>
      (await Promise.all(members.map((m) => m.chat.presence()))).every((p) => Object.keys(p).length === 3),
    10_000,
    'presence on every replica',
  );
  const host = members.find((m) => m.node.name === members[0]!.chat.whereIs('lobby'));
  assert.ok(host, 'the room runs on one of the nodes');
  const lostUser = USERS[members.indexOf(host)]!;
  await kill(host);
  const alive = members.filter((m) => m !== host);
  const [first, second] = alive as [Member, Member];
  const firstUser = USERS[members.indexOf(first)]!;

  await first.chat.say(firstUser, 'lobby', 'still here?');
  const where = first.chat.whereIs('lobby');
  assert.ok(
    where === first.node.name || where === second.node.name,
    `the room moved to a survivor (${where})`,
  );
  assert.deepEqual(
    await second.chat.members('lobby'),
    USERS.filter((u) => u !== lostUser),
    'members of live nodes are back in the room; the lost node takes its user along',
  );
  const expected = [...USERS.map((u) => `${u}: hi from ${u}`), `${firstUser}: still here?`];
  for (const m of alive)
    assert.deepEqual(
      (await m.chat.history('lobby', 10)).map((h) => `${h.user}: ${h.text}`),
      expected,
      `history read through ${m.node.name}`,
    );
});

test('a graceful leave hands the room over with its members, the leaving node’s user included', async (t) => {
  const members = await chatCluster(t);
  await joinAll(members, 'lobby');
  const host = members.find((m) => m.node.name === members[0]!.chat.whereIs('lobby'))!;
  host.stopped = true;
  await host.chat.stop({ handOff: true });
  await host.node.leave();
  await Promise.all([host.raft.close(), host.crdt.close()]);
  const alive = members.filter((m) => m !== host);
  await waitFor(() => alive.every((m) => m.chat.whereIs('lobby') !== host.node.name), 10_000, 'room moved');
  // A rebuild from presence would drop the leaving node's user; the handed-over members keep them.
  assert.deepEqual(await alive[0]!.chat.members('lobby'), [...USERS]);
});

test('bad names and empty messages are refused before anything is written', async (t) => {
  const members = await chatCluster(t);
  const { chat } = members[0]!;
  await assert.rejects(chat.join('', 'lobby'), ChatInputError);
  await assert.rejects(chat.say('alice', 'lobby', '   '), ChatInputError);
  await assert.rejects(chat.history('x'.repeat(201), 5), ChatInputError);
  assert.deepEqual(await chat.presence(), {});
});
