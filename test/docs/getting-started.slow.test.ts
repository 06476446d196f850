// docs/getting-started.md followed literally, by a user who starts from an empty folder: the
// runtime built and packed as it is published, each step's files written as the guide shows them,
// each command run in a real shell in its terminal (a program that keeps running stays running in
// its own process group, as in a terminal; `kill -9` kills it), and every line the guide says a
// terminal prints is waited for in that terminal's output. The one liberty taken: `npm install
// @superhero-dispatch/runtime` installs the packed tarball instead of the registry's release. The
// ports the guide's programs read from A_PORT, B_PORT and C_PORT are free ports, passed the way
// the guide says. At the end the files are type-checked with this repository's tsc against the
// installed package (strict, nodenext). Slow: it compiles the runtime and installs its
// dependencies and tsx from the npm registry (through the npm cache).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../../packages/runtime/src/testing/free-port.ts';
import { npmEnv, packRuntime, ROOT, run, TSC, userTsconfig } from '../packaging/pack-runtime.ts';
import { parseGuide } from './guide-steps.ts';
import type { GuideBlock } from './guide-steps.ts';

const GUIDE = join(ROOT, 'docs', 'getting-started.md');
const steps = parseGuide(readFileSync(GUIDE, 'utf8'));
/** Hang guards only: how long an install may take, and a printed line or a stopping program. */
const COMMAND_GUARD_MS = 600_000;
const OUTPUT_GUARD_MS = 180_000;
const STOP_GUARD_MS = 30_000;

let scratch = '';
let tarball = '';
/** The shell's working directory: the scratch folder, then the guide's `cd`. */
let cwd = '';
const files = new Set<string>();

interface Process {
  readonly line: string;
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly closed: Promise<void>;
}

function start(line: string, env: NodeJS.ProcessEnv): Process {
  // The guide's one liberty: the package comes from the tarball, not the registry.
  const typed = line.startsWith('npm install ')
    ? line.replace(/(?<=\s)@superhero-dispatch\/runtime(?=\s|$)/, tarball)
    : line;
  // A group of its own, as a terminal gives its foreground job: stopped as a whole below.
  const child = spawn('bash', ['-c', typed], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc: Process = {
    line,
    child,
    stdout: '',
    stderr: '',
    exit: undefined,
    closed: new Promise((resolve) =>
      child.once('close', (code, signal) => {
        proc.exit = { code, signal };
        resolve();
      }),
    ),
  };
  child.stdout?.on('data', (chunk: Buffer) => (proc.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (proc.stderr += chunk.toString()));
  return proc;
}

function transcript(procs: readonly Process[]): string {
  return procs
    .map(
      (p) => `$ ${p.line}  (exit ${JSON.stringify(p.exit)})\n${p.stdout}\n[stderr]\n${p.stderr.slice(-4000)}`,
    )
    .join('\n');
}

/** Waits until terminal `procs` printed every line of `lines`; fails once they all ended without. */
async function expectLines(procs: readonly Process[], lines: readonly string[], terminal: number) {
  const missing = () => {
    const printed = new Set(procs.flatMap((p) => p.stdout.split('\n').map((l) => l.trimEnd())));
    return lines.filter((l) => !printed.has(l.trimEnd()));
  };
  const guard = Date.now() + OUTPUT_GUARD_MS;
  for (;;) {
    if (missing().length === 0) return;
    const ended = procs.every((p) => p.exit !== undefined);
    if (ended || Date.now() > guard) {
      assert.fail(
        `terminal ${terminal} did not print ${JSON.stringify(missing())}${ended ? '' : ' (hang guard)'}:\n` +
          transcript(procs),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Signals the process group of `p`, if it still has one. */
function killGroup(p: Process, signal: NodeJS.Signals): void {
  if (p.exit !== undefined || p.child.pid === undefined) return;
  try {
    process.kill(-p.child.pid, signal);
  } catch {
    // the group ended meanwhile
  }
}

/** Ctrl-C for every program still running, then waits for it to end. */
async function stopAll(procs: readonly Process[]) {
  for (const p of procs) killGroup(p, 'SIGINT');
  for (const p of procs) {
    const guard = setTimeout(() => killGroup(p, 'SIGKILL'), STOP_GUARD_MS);
    await p.closed;
    clearTimeout(guard);
  }
}

/** A command is waited for (and must succeed) unless its terminal's output is shown after it. */
function watched(blocks: readonly GuideBlock[], index: number): boolean {
  const command = blocks[index];
  if (command?.kind !== 'command') return false;
  return blocks.slice(index + 1).some((b) => b.kind === 'output' && b.terminal === command.terminal);
}

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'getting-started-'));
  cwd = scratch;
  ({ tarball } = await packRuntime(scratch));
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('the guide has its seven steps, each with commands and, but for the install, output', () => {
  assert.equal(steps.length, 7, steps.map((s) => s.title).join(', '));
  for (const step of steps.slice(1)) {
    assert.ok(
      step.blocks.some((b) => b.kind === 'command'),
      `${step.title}: commands`,
    );
    assert.ok(
      step.blocks.some((b) => b.kind === 'output'),
      `${step.title}: output`,
    );
  }
});

for (const step of steps) {
  test(`getting started, ${step.title}`, async () => {
    const [a, b, c] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...npmEnv(),
      PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
      A_PORT: String(a),
      B_PORT: String(b),
      C_PORT: String(c),
    };
    const terminals = new Map<number, Process[]>();
    const all: Process[] = [];
    try {
      for (const [index, block] of step.blocks.entries()) {
        if (block.kind === 'file') {
          writeFileSync(join(cwd, block.name), block.text);
          files.add(block.name);
        } else if (block.kind === 'output') {
          await expectLines(terminals.get(block.terminal) ?? [], block.lines, block.terminal);
        } else {
          for (const [n, line] of block.lines.entries()) {
            const cd = /^cd (\S+)$/.exec(line);
            if (cd) {
              cwd = join(cwd, cd[1] ?? '');
              continue;
            }
            const proc = start(line, env);
            all.push(proc);
            terminals.set(block.terminal, [...(terminals.get(block.terminal) ?? []), proc]);
            if (n === block.lines.length - 1 && watched(step.blocks, index)) continue;
            const guard = setTimeout(() => killGroup(proc, 'SIGKILL'), COMMAND_GUARD_MS);
            await proc.closed;
            clearTimeout(guard);
            assert.equal(proc.exit?.code, 0, `\`${line}\` failed:\n${transcript([proc])}`);
          }
        }
      }
    } finally {
      await stopAll(all);
    }
  });
}

test("the guide's files type-check against the installed package (strict, nodenext)", async () => {
  assert.ok(files.size > 0, 'the steps wrote files');
  writeFileSync(
    join(cwd, 'tsconfig.json'),
    userTsconfig([...files], { noEmit: true, allowImportingTsExtensions: true }),
  );
  await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd }).catch((err: unknown) => {
    const { stdout } = err as { stdout?: string };
    assert.fail(`tsc refused the guide's files:\n${stdout ?? String(err)}`);
  });
});
