/**
 * Process identifiers and references.
 *
 * A `Pid` names one actor: the node it lives on, that node's incarnation (a number chosen at boot, so
 * a restarted node never reuses the identifiers of its previous life) and a per-incarnation counter.
 * Pids are plain data, so they cross the wire unchanged and compare with `samePid`.
 *
 * A `Ref` (monitor and timer references, call tags) has the same shape: unique per node incarnation.
 */
export interface Pid {
  readonly node: string;
  readonly inc: number;
  readonly id: number;
}

export type Ref = Pid;

export function isPid(value: unknown): value is Pid {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.node === 'string' && typeof v.inc === 'number' && typeof v.id === 'number';
}

export function samePid(a: Pid, b: Pid): boolean {
  return a.id === b.id && a.inc === b.inc && a.node === b.node;
}

/** A string key for maps and logs: `<id>.<inc>@<node>`. */
export function pidKey(p: Pid): string {
  return `<${p.id}.${p.inc}@${p.node}>`;
}
