/**
 * Topics. `publish` reaches subscribers on every node (the message crosses each connection once and
 * fans out locally); `publishLocal` reaches this node's subscribers only (as the seeds' episode 5 does
 * for store events, so a node never shows its viewers one event N times).
 *
 * Subscribers are actors (the message arrives at `handleInfo`, and the subscription ends when the
 * actor exits) or plain listener functions (for HTTP streams), which return an unsubscribe function.
 */
import type { ActorSystem, Pid } from '../actor/index.ts';
import { pidKey } from '../actor/index.ts';

export class PubSub {
  private readonly actors = new Map<string, Map<string, Pid>>();
  private readonly listeners = new Map<string, Set<(msg: unknown) => void>>();
  private readonly system: ActorSystem;
  private readonly broadcast: (topic: string, msg: unknown) => void;
  private readonly watch: (pid: Pid, onExit: () => void) => void;

  constructor(
    system: ActorSystem,
    broadcast: (topic: string, msg: unknown) => void,
    watch: (pid: Pid, onExit: () => void) => void,
  ) {
    this.system = system;
    this.broadcast = broadcast;
    this.watch = watch;
  }

  subscribe(topic: string, pid: Pid): void {
    let subs = this.actors.get(topic);
    if (!subs) this.actors.set(topic, (subs = new Map()));
    const key = pidKey(pid);
    if (subs.has(key)) return;
    subs.set(key, pid);
    this.watch(pid, () => this.unsubscribe(topic, pid));
  }

  unsubscribe(topic: string, pid: Pid): void {
    const subs = this.actors.get(topic);
    subs?.delete(pidKey(pid));
    if (subs?.size === 0) this.actors.delete(topic);
  }

  listen(topic: string, listener: (msg: unknown) => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(topic);
    };
  }

  /** To subscribers on every node. */
  publish(topic: string, msg: unknown): void {
    this.deliverLocal(topic, msg);
    this.broadcast(topic, msg);
  }

  /** To this node's subscribers only. */
  publishLocal(topic: string, msg: unknown): void {
    this.deliverLocal(topic, msg);
  }

  /** A publication that arrived from another node. */
  deliverLocal(topic: string, msg: unknown): void {
    const subs = this.actors.get(topic);
    if (subs) for (const pid of subs.values()) this.system.send(pid, msg);
    const set = this.listeners.get(topic);
    if (set) {
      for (const l of [...set]) {
        try {
          l(msg);
        } catch (err) {
          this.system.log.error({ err, topic }, 'pubsub listener failed');
        }
      }
    }
  }
}
