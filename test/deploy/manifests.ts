/**
 * Reads the Kubernetes manifests under `deploy/kubernetes/` for tests, without a YAML library:
 * the few fields the tests check are found line by line (the manifests are kept in plain block
 * style for that). `statefulSetArgs(vars)` is the node's command line with `$(VAR)` filled in,
 * so the multi-host test runs exactly what the StatefulSet runs.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const KUBE_DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));

export function manifest(file: string): string {
  return readFileSync(`${KUBE_DIR}${file}`, 'utf8');
}

/** The items of the first block list under `key:` (e.g. `args:`), quotes removed. */
export function blockList(text: string, key: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === `${key}:`);
  if (start < 0) throw new Error(`no ${key}: list`);
  const indent = (lines[start] ?? '').search(/\S/);
  const items: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') continue;
    if (line.search(/\S/) < indent || (line.search(/\S/) === indent && !line.trim().startsWith('- '))) break;
    const m = /^\s*- (.*)$/.exec(line);
    if (m) items.push((m[1] ?? '').replace(/^(["'])(.*)\1$/, '$2'));
  }
  return items;
}

/** Every `key: value` in the text (values unquoted). */
export function values(text: string, key: string): string[] {
  const re = new RegExp(`^\\s*-?\\s*${key}: *(.+)$`, 'gm');
  return [...text.matchAll(re)].map((m) => (m[1] ?? '').trim().replace(/^(["'])(.*)\1$/, '$2'));
}

/** The StatefulSet's container args with `$(VAR)` replaced from `vars` (unknown ones throw). */
export function statefulSetArgs(vars: Readonly<Record<string, string>>): string[] {
  return blockList(manifest('statefulset.yaml'), 'args').map((a) =>
    a.replace(/\$\(([A-Z_]+)\)/g, (_, name: string) => {
      const v = vars[name];
      if (v === undefined) throw new Error(`no value for $(${name})`);
      return v;
    }),
  );
}

/** Replaces `--flag value` in `args` (the flag must be there). */
export function withArg(args: readonly string[], flag: string, value: string): string[] {
  const i = args.indexOf(flag);
  if (i < 0) throw new Error(`${flag} not in the command line`);
  return [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
}
