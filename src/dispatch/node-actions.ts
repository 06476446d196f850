/**
 * The chaos controls, in one table: what a node offers on `POST /api/nodes/:node/:action`, the
 * buttons of the page's nodes panel, and the commands of the launcher's control channel all derive
 * from `NODE_ACTIONS`, so a control added here appears everywhere, and one removed cannot linger in
 * a guard somewhere.
 *
 * ```ts
 * for (const action of NODE_ACTION_NAMES) app.post(`/api/nodes/:node/${action}`, …);
 * if (isNodeAction(input)) await service.nodeAction(node, input);
 * if (!selfApplied(action)) throw new DispatchError('unavailable', 'needs the local launcher');
 * ```
 *
 * `selfApplied`: whether a node process carries the action out on itself (`partition` and
 * `heal` cut and restore its own links, `shutdown` ends it). `restart` is not: a process cannot
 * start itself again, so only the launcher (`npm start`) restarts a node, and a node started
 * alone refuses it.
 */

/** How one control looks on the page and who carries it out. */
export interface NodeActionSpec {
  /** Button label. */
  readonly label: string;
  /** Toast once requested; `{node}` is replaced by the node's name. */
  readonly ok: string;
  /** Toast when the request failed. */
  readonly fail: string;
  /** Drawn as a destructive button. */
  readonly warn: boolean;
  /** Carried out by the node on itself (see the module header). */
  readonly selfApplied: boolean;
}

export const NODE_ACTIONS = {
  shutdown: {
    label: 'Shutdown',
    ok: 'Shutdown of {node} requested',
    fail: 'Failed to shut down {node}',
    warn: true,
    selfApplied: true,
  },
  restart: {
    label: 'Restart',
    ok: 'Restart of {node} requested',
    fail: 'Failed to restart {node}',
    warn: false,
    selfApplied: false,
  },
  partition: {
    label: 'Partition',
    ok: '{node} is being cut off',
    fail: 'Failed to partition {node}',
    warn: true,
    selfApplied: true,
  },
  heal: {
    label: 'Heal',
    ok: '{node} is being reconnected',
    fail: 'Failed to heal {node}',
    warn: false,
    selfApplied: true,
  },
} as const satisfies Record<string, NodeActionSpec>;

export type NodeAction = keyof typeof NODE_ACTIONS;

/** The actions a node carries out on itself: the launcher's control-channel commands. */
export type SelfAppliedAction = {
  [A in NodeAction]: (typeof NODE_ACTIONS)[A]['selfApplied'] extends true ? A : never;
}[NodeAction];

/** Every action, in the table's order (the page's button order). */
export const NODE_ACTION_NAMES = Object.keys(NODE_ACTIONS) as readonly NodeAction[];

export function isNodeAction(value: unknown): value is NodeAction {
  return typeof value === 'string' && Object.hasOwn(NODE_ACTIONS, value);
}

export function selfApplied(action: NodeAction): action is SelfAppliedAction {
  return NODE_ACTIONS[action].selfApplied;
}
