/**
 * Three nodes in one process: users join `lobby` through different nodes and talk; then the node
 * running the room is stopped hard, and the room, its members and its history are still there.
 * Run with `node --import tsx examples/chat/demo.ts` (node logs at level error, on stderr).
 */
import pino from 'pino';
import { startNode } from '@superhero-dispatch/runtime/cluster';
import { startCrdtStore, startRaftStore } from '@superhero-dispatch/runtime/store';
import { startChat } from './index.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const short = (name: string): string => name.split('@')[0] ?? name;

const nodes = await Promise.all(
  ['ada', 'bo', 'cy'].map((name) =>
    startNode({ name, cookie: 'chat-demo-cookie', logger: pino({ level: 'error' }) }),
  ),
);
for (const n of nodes.slice(1)) n.addPeer(nodes[0]!.address);
while (!nodes.every((n) => n.nodes().length === 2)) await sleep(20);
const voters = nodes.map((n) => n.name);
const members = await Promise.all(
  nodes.map(async (node) => {
    const [raft, crdt] = await Promise.all([startRaftStore({ node, voters }), startCrdtStore({ node })]);
    return { node, raft, crdt, chat: await startChat({ node, raft, crdt }) };
  }),
);
while (!members.every((m) => m.raft.writable())) await sleep(20);

const users = ['alice', 'bob', 'carol'];
for (const [i, user] of users.entries()) {
  const via = members[i]!;
  console.log(
    `${user}@${short(via.node.name)} joins lobby: members ${(await via.chat.join(user, 'lobby')).join(', ')}`,
  );
}
for (const [i, user] of users.entries()) await members[i]!.chat.say(user, 'lobby', `hello from ${user}`);
const everywhere = async (): Promise<boolean> =>
  (await Promise.all(members.map((m) => m.chat.presence()))).every((p) => Object.keys(p).length === 3);
while (!(await everywhere())) await sleep(20); // presence on every replica, for the rebuild below
const host = members[0]!.chat.whereIs('lobby')!;
console.log(`\nlobby runs on ${short(host)}; presence as ${short(nodes[0]!.name)} sees it:`);
for (const [user, p] of Object.entries(await members[0]!.chat.presence()))
  console.log(`  ${user} on ${short(p.node)} in [${p.rooms.join(', ')}]`);

console.log(`\n# stopping ${short(host)} hard (no hand-over)`);
const lost = members.find((m) => m.node.name === host)!;
const alive = members.filter((m) => m !== lost);
await lost.node.stop();
await lost.chat.stop({ handOff: false });
await Promise.all([lost.raft.close(), lost.crdt.close()]);

const first = alive[0]!;
const you = users[members.indexOf(first)]!;
await first.chat.say(you, 'lobby', 'still here?');
console.log(`lobby now runs on ${short(first.chat.whereIs('lobby') ?? '?')}`);
console.log(
  `members (rebuilt from presence on live nodes): ${(await first.chat.members('lobby')).join(', ')}`,
);
for (const m of alive) {
  const lines = (await m.chat.history('lobby', 10)).map((h) => `${h.user}: ${h.text}`);
  console.log(`history read through ${short(m.node.name)}:\n  ${lines.join('\n  ')}`);
}

for (const m of alive) await m.chat.stop();
for (const m of alive) await Promise.all([m.raft.close(), m.crdt.close()]);
await Promise.all(alive.map((m) => m.node.stop()));
