/**
 * Cluster-wide unique names (`:global`). Lookups are served from a local copy of the table. Each
 * node is the authority for the names its own actors hold: it announces claims and releases, and
 * re-announces all of them to every node that connects, so a healed partition compares both sides.
 *
 * When two actors hold one name (concurrent registration, or a partition that healed), every node
 * applies the same deterministic resolver and keeps the same winner. The node hosting the loser
 * sends it an exit signal `{ name_conflict, winner }` — an actor that traps exits gets it as an
 * `EXIT` message and can hand its state to the winner before stopping; one that does not exits.
 *
 * Default resolver: the earlier registration wins (`at`), ties go to the smaller node name, then
 * the smaller pid id. Unlike `:global`'s default (smallest node name, survivor possibly stale),
 * the loser is told whom it lost to, so it can merge its state into the winner.
 */
import type { ActorName, ActorSystem, Pid, Protocol, TypedPid } from '../actor/index.ts';
import { NameTakenError, samePid } from '../actor/index.ts';
import type { NameClaimPayload } from './protocol.ts';

export type NameResolverFn = (name: string, a: NameClaimPayload, b: NameClaimPayload) => NameClaimPayload;

export const earliestRegistrationWins: NameResolverFn = (_name, a, b) => {
  if (a.at !== b.at) return a.at < b.at ? a : b;
  if (a.pid.node !== b.pid.node) return a.pid.node < b.pid.node ? a : b;
  return a.pid.id <= b.pid.id ? a : b;
};

export interface GlobalNamesHooks {
  /** Tell every connected node. */
  broadcastClaim(claim: NameClaimPayload): void;
  broadcastRelease(name: string, pid: Pid): void;
  /** Watch a local actor; `onExit` runs when it exits. */
  watch(pid: Pid, onExit: () => void): void;
  now(): number;
}

export class GlobalNames {
  private readonly table = new Map<string, NameClaimPayload>();
  private readonly system: ActorSystem;
  private readonly hooks: GlobalNamesHooks;
  private readonly resolver: NameResolverFn;
  private readonly conflictListeners: ((name: string, winner: Pid, loser: Pid) => void)[] = [];

  constructor(
    system: ActorSystem,
    hooks: GlobalNamesHooks,
    resolver: NameResolverFn = earliestRegistrationWins,
  ) {
    this.system = system;
    this.hooks = hooks;
    this.resolver = resolver;
  }

  /** The pid holding global `name`; typed when the name is an `ActorName<P>`. */
  whereis<P extends Protocol>(name: ActorName<P>): TypedPid<P> | undefined;
  whereis(name: string): Pid | undefined;
  whereis(name: string): Pid | undefined {
    return this.table.get(name)?.pid;
  }

  names(): string[] {
    return [...this.table.keys()];
  }

  /** Register a local actor under a cluster-wide name. Throws `NameTakenError` if another holds it. */
  register(name: string, pid: Pid): void {
    if (pid.node !== this.system.node) throw new Error('only local actors can be registered from this node');
    const held = this.table.get(name);
    if (held && !samePid(held.pid, pid)) throw new NameTakenError(name);
    if (held) return;
    const claim: NameClaimPayload = { name, pid, at: this.hooks.now() };
    this.table.set(name, claim);
    this.hooks.watch(pid, () => this.release(name, pid));
    this.hooks.broadcastClaim(claim);
  }

  unregister(name: string): void {
    const held = this.table.get(name);
    if (held && held.pid.node === this.system.node) this.release(name, held.pid);
  }

  private release(name: string, pid: Pid): void {
    const held = this.table.get(name);
    if (!held || !samePid(held.pid, pid)) return;
    this.table.delete(name);
    this.hooks.broadcastRelease(name, pid);
  }

  /** Claims held by local actors, for a node that just connected. */
  localClaims(): NameClaimPayload[] {
    return [...this.table.values()].filter((c) => c.pid.node === this.system.node);
  }

  onConflict(listener: (name: string, winner: Pid, loser: Pid) => void): void {
    this.conflictListeners.push(listener);
  }

  /** A claim announced by another node. */
  receiveClaim(claim: NameClaimPayload): void {
    const held = this.table.get(claim.name);
    if (!held || samePid(held.pid, claim.pid)) {
      this.table.set(claim.name, claim);
      return;
    }
    const winner = this.resolver(claim.name, held, claim);
    const loser = winner === held ? claim : held;
    this.table.set(claim.name, winner);
    for (const l of this.conflictListeners) l(claim.name, winner.pid, loser.pid);
    if (loser.pid.node === this.system.node) {
      this.system.log.warn(
        { name: claim.name, winner: winner.pid.node },
        'global name conflict; local holder loses',
      );
      this.system.exitSignal(loser.pid, winner.pid, { name_conflict: claim.name, winner: winner.pid });
    }
  }

  receiveRelease(name: string, pid: Pid): void {
    const held = this.table.get(name);
    if (held && samePid(held.pid, pid)) this.table.delete(name);
  }

  /** Forget every name held on `node` (it went down). */
  nodeDown(node: string): void {
    for (const [name, claim] of this.table) {
      if (claim.pid.node === node) this.table.delete(name);
    }
  }
}
