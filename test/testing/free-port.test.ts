// Ports handed out by freePort are not handed out again while their holder lives, in this process
// or in another one drawing at the same time; a reservation left by a dead process is taken over.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, freePortRun, reservePort } from '../../packages/runtime/src/testing/free-port.ts';

const DRAW = fileURLToPath(new URL('./fixtures/draw-ports.ts', import.meta.url));
const RESERVATIONS = join(tmpdir(), 'superhero-dispatch-test-ports');
const run = promisify(execFile);

test('two processes drawing at the same time never get the same port', async () => {
  // 2 × 400 draws from about 12,700 ports: without a reservation shared between the processes,
  // some port would almost surely be handed to both (the birthday bound puts that above 99.9 %).
  // Each process holds its ports until both have drawn, as a test holds them while its nodes run.
  const draw = () => spawn(process.execPath, ['--import', 'tsx', DRAW, '400', '--hold']);
  const children = [draw(), draw()] as const;
  try {
    const [a, b] = await Promise.all([firstLine(children[0]), firstLine(children[1])]);
    assert.equal(new Set(a).size, 400);
    assert.equal(new Set(b).size, 400);
    assert.deepEqual(
      a.filter((port) => b.includes(port)),
      [],
    );
  } finally {
    for (const child of children) child.stdin.end();
  }
});

function firstLine(child: ChildProcess): Promise<number[]> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
    });
    child.once('exit', (code) => reject(new Error(`draw-ports exited with ${code} before printing`)));
  });
}

test('a run of ports is reserved for this process and released when it exits', async () => {
  const base = await freePortRun(3);
  for (let i = 0; i < 3; i++)
    assert.equal(readFileSync(join(RESERVATIONS, String(base + i)), 'utf8'), String(process.pid));
  const child = await run(process.execPath, ['--import', 'tsx', DRAW, '5']);
  const theirs = JSON.parse(child.stdout) as number[];
  for (const port of theirs)
    assert.equal(existsSync(join(RESERVATIONS, String(port))), false, `${port} released`);
});

test("a dead process's reservation is taken over; a live one's, this process's own included, is not", async () => {
  const dead = spawn(process.execPath, ['-e', '']);
  const deadPid = await new Promise<number>((resolve) => dead.once('exit', () => resolve(dead.pid!)));
  // Two ports no process holds now (a child drew them and released them on exit).
  const drawn = await run(process.execPath, ['--import', 'tsx', DRAW, '2']);
  const [stale, held] = JSON.parse(drawn.stdout) as [number, number];
  writeFileSync(join(RESERVATIONS, String(stale)), String(deadPid));
  writeFileSync(join(RESERVATIONS, String(held)), String(process.ppid));
  try {
    assert.equal(reservePort(stale), true);
    assert.equal(readFileSync(join(RESERVATIONS, String(stale)), 'utf8'), String(process.pid));
    assert.equal(reservePort(held), false);
    // Nor is a port this process holds handed out to it again.
    assert.equal(reservePort(await freePort()), false);
    assert.equal(readFileSync(join(RESERVATIONS, String(held)), 'utf8'), String(process.ppid));
  } finally {
    unlinkSync(join(RESERVATIONS, String(held)));
  }
});
