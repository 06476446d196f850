/**
 * Which V8 flags let a long-running server's hot code be optimized sooner — the pure half: the
 * process's options and V8 version in, flags out (`cluster/v8-tuning.ts` sets them).
 *
 * V8 compiles a function with its optimizing compiler (TurboFan) only after the function has run
 * a budget of bytecode several times over (`--interrupt-budget`, 67,584 bytecodes by default in
 * Node 20). A cluster node's work is spread over many small functions — decoding a message, a Raft
 * step, applying an entry, a change feed — each called tens to hundreds of times a second, so for
 * the first minutes of a node's life much of it runs in the interpreter and the baseline compiler:
 * a CPU profile (`perf`) of a dispatch node 25 s into a run at 1,000 heroes found 16 % of its main
 * thread's samples in optimized code and most of the rest in the generic paths of unoptimized
 * code. A budget of 8,192 (`SERVER_INTERRUPT_BUDGET`) has that code optimized eight times sooner;
 * docs/benchmarks-dispatch.md ("Round 8") has what it saved.
 *
 * Example:
 * ```ts
 * serverV8Flags(process.execArgv, process.versions.v8); // ['--interrupt-budget=8192'] on Node 20
 * ```
 *
 * A budget given on the node command line (`node --interrupt-budget=… app.js`) wins: nothing is set
 * then. (`NODE_OPTIONS` cannot carry this flag.) Nothing is set either on V8 12 and later (Node 22
 * and later): they tier up by counting invocations instead and have no such flag; nothing was
 * measured there.
 *
 * Not for: short-lived tools and tests, which exit before the optimized code would pay for its
 * compilation.
 */
/** The interrupt budget a server runs with, in bytecodes (V8's default in Node 20: 67,584). */
export const SERVER_INTERRUPT_BUDGET = 8192;

const BUDGET_FLAG = /^--interrupt[-_]budget(?:=|$)/;

/** The last V8 major version that tiers up by interrupt budget (`--interrupt-budget`). */
const LAST_BUDGET_TIERING_V8 = 11;

/**
 * The V8 flags to set for a process started with the node options `execArgv` on
 * V8 `v8Version` (`process.versions.v8`): none when the options already set the budget or this V8
 * has no budget to set.
 */
export function serverV8Flags(execArgv: readonly string[], v8Version: string): string[] {
  const major = Number.parseInt(v8Version, 10);
  if (!(major <= LAST_BUDGET_TIERING_V8)) return [];
  if (execArgv.some((a) => BUDGET_FLAG.test(a))) return [];
  return [`--interrupt-budget=${SERVER_INTERRUPT_BUDGET}`];
}
