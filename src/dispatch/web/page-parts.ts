/**
 * The smaller pieces of the dispatch page: the "Connected dispatch centers" panel (each node with
 * status, role, store role, heroes hosted and Shutdown / Restart / Partition / Heal), log lines and
 * flash messages. The live stream re-renders the panel whole on each cluster event.
 *
 * ```ts
 * renderClusterPanel(cluster); // <section id="cluster">…
 * renderLogLine({ level: 'warn', message: 'gotham is being bombed!', at }, 7); // <li id="log-7">…
 * renderFlash('info', 'gotham has been destroyed');
 * ```
 *
 * Test hooks: node rows are `data-testid="node-row"` with `data-node` and `data-status`; buttons
 * are `node-shutdown`, `node-restart`, `node-partition`, `node-heal`; log lines `log-line`.
 *
 * When not to use: programs read `GET /api/cluster` and `GET /api/events`.
 */
import type { ClusterView, NodeView } from '../model.ts';
import type { NodeAction } from '../node-actions.ts';
import { NODE_ACTION_NAMES, NODE_ACTIONS } from '../node-actions.ts';
import { html, isHttpUrl } from './html.ts';
import type { SafeHtml } from './html.ts';
import type { LogEntry, LogLine } from './page-feed.ts';

function nodeButton(node: string, action: NodeAction): SafeHtml {
  const a = NODE_ACTIONS[action];
  return html`<button
    data-testid="node-${action}"
    data-post="/api/nodes/${node}/${action}"
    data-node="${node}"
    data-ok="${a.ok}"
    data-fail="${a.fail}"
    ${a.warn ? html` class="warn"` : null}
  >
    ${a.label}
  </button>`;
}

function renderNodeRow(node: NodeView, self: string): SafeHtml {
  const name = isHttpUrl(node.url) ? html`<a href="${node.url}">${node.name}</a>` : html`${node.name}`;
  return html`<tr
    id="node-${node.name}"
    data-testid="node-row"
    data-node="${node.name}"
    data-status="${node.status}"
  >
    <td>${name}${node.name === self ? html` <span class="self">this node</span>` : null}</td>
    <td><span class="badge ${node.status}">${node.status}</span></td>
    <td>${node.role}</td>
    <td data-testid="node-store-role">
      ${node.storeRole}${node.raftMember === undefined ? null : html` <span class="muted">(${node.raftMember})</span>`}
    </td>
    <td class="num" data-testid="node-heroes">${node.heroesHosted}</td>
    <td class="actions">${NODE_ACTION_NAMES.map((action) => nodeButton(node.name, action))}</td>
  </tr>`;
}

/** The nodes panel; a cluster event re-renders it whole (a handful of rows). */
export function renderClusterPanel(
  cluster: ClusterView | undefined,
  oob?: 'outerHTML',
  error?: string,
): SafeHtml {
  const body =
    cluster === undefined
      ? html`<p class="muted">Cluster view unavailable${error === undefined ? null : html`: ${error}`}.</p>`
      : html`<table class="nodes">
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Role</th>
              <th>Store role</th>
              <th class="num">Heroes</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${cluster.nodes.map((n) => renderNodeRow(n, cluster.self))}
          </tbody>
        </table>`;
  return html`<section
    id="cluster"
    class="panel"
    ${oob === undefined ? null : html` hx-swap-oob="${oob}"`}
    data-testid="cluster"
  >
    <h2>
      Connected dispatch
      centers${cluster === undefined ? null : html` <span class="muted" data-testid="store-mode">store: ${cluster.storeMode}</span>`}${cluster?.raft === undefined ? null : html` <span class="muted" data-testid="raft-term">term ${cluster.raft.term}, leader ${cluster.raft.leader ?? 'none'}</span>`}${cluster?.etcd === undefined ? null : html` <span class="muted" data-testid="etcd-leader">etcd ${cluster.etcd.members.map((m) => m.name).join(', ')}: leader ${cluster.etcd.leader ?? 'none'}</span>`}
    </h2>
    ${body}
  </section>`;
}

function clock(at: number): { iso: string; short: string } {
  const date = new Date(Number.isFinite(at) ? at : 0);
  const iso = date.toISOString();
  return { iso, short: iso.slice(11, 19) };
}

/** One log line; `seq` gives it an id so the stream can evict it later. */
export function renderLogLine(entry: LogEntry, seq?: number): SafeHtml {
  const time = clock(entry.at);
  return html`<li${seq === undefined ? null : html` id="log-${seq}"`} class="log-${entry.level}" data-testid="log-line"><time datetime="${time.iso}" title="${time.iso}">${time.short}</time> ${entry.message}</li>`;
}

/** The log list, newest first. */
export function renderLogList(lines: readonly LogLine[], oob?: 'outerHTML'): SafeHtml {
  const newestFirst = [...lines].reverse();
  return html`<ol id="log" ${oob === undefined ? null : html` hx-swap-oob="${oob}"`} data-testid="log">
    ${newestFirst.map((l) => renderLogLine(l.entry, l.seq))}
  </ol>`;
}

export function renderFlash(level: 'info' | 'error', text: string): SafeHtml {
  return html`<div
    class="flash ${level}"
    data-testid="flash"
    role="${level === 'error' ? 'alert' : 'status'}"
  >
    ${text}
  </div>`;
}
