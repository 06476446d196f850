/**
 * The deployment files against the CLI: every flag the StatefulSet passes exists in
 * `superhero node --help` and parses; its ports and probes match the container's ports and the
 * node's routes; the Service, PodDisruptionBudget and Secret fit together; the Dockerfile runs the
 * compiled JavaScript as a non-root user.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { nodeOptionsSchema } from '../../src/cli/config.ts';
import { blockList, manifest, statefulSetArgs, values } from './manifests.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VARS = { POD_NAME: 'superhero-0', POD_NAMESPACE: 'default' };

function help(): string {
  return execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'node', '--help'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
}

/** `--web-port 4900 …` → `{ webPort: '4900', … }` (what commander hands the schema). */
function optionsOf(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith('--')) continue;
    out[a.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = args[i + 1] as string;
    i++;
  }
  return out;
}

test('every flag the StatefulSet passes is in `superhero node --help`, and the command line parses', () => {
  const args = statefulSetArgs(VARS);
  assert.equal(args[0], 'node');
  const text = help();
  const flags = args.filter((a) => a.startsWith('--'));
  assert.ok(flags.length >= 6, 'the StatefulSet passes its flags');
  for (const flag of flags) assert.match(text, new RegExp(`${flag}[ ,<]`), `${flag} in --help`);
  const parsed = nodeOptionsSchema.safeParse({ ...optionsOf(args), cookie: 'k8s-secret-cookie-0123456789' });
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
  assert.equal(parsed.data.expect, 3);
  assert.deepEqual(parsed.data.discovery, [
    { kind: 'dns', name: '_cluster._tcp.superhero.default.svc.cluster.local', records: 'srv' },
  ]);
});

test('container ports match --port, --web-port and --probe-port; probes use /readyz and /livez on the probe port', () => {
  const sts = manifest('statefulset.yaml');
  const opts = optionsOf(statefulSetArgs(VARS));
  assert.deepEqual(values(sts, 'containerPort'), [opts.port, opts.webPort, opts.probePort]);
  assert.deepEqual(values(sts, 'path'), ['/readyz', '/livez']);
  assert.deepEqual(values(sts, 'port'), ['probes', 'probes']);
  const probes = readFileSync(`${ROOT}src/dispatch/web/probe-server.ts`, 'utf8');
  for (const path of ['/readyz', '/livez']) assert.ok(probes.includes(`path === '${path}'`), path);
  assert.match(sts, /replicas: 3/);
  assert.match(sts, /podManagementPolicy: Parallel/);
  assert.match(sts, /mountPath: \/data/);
  assert.equal(opts.dataDir, '/data');
});

test('the env the StatefulSet sets is what the CLI reads; the cookie comes from the Secret', () => {
  const sts = manifest('statefulset.yaml');
  const main = readFileSync(`${ROOT}src/cli/main.ts`, 'utf8');
  for (const name of ['SUPERHERO_COOKIE', 'SUPERHERO_ADVERTISE_HOST']) {
    assert.ok(values(sts, 'name').includes(name), `${name} set`);
    assert.ok(main.includes(`process.env.${name}`), `${name} read by the CLI`);
  }
  assert.match(sts, /secretKeyRef:\s+name: superhero-cookie\s+key: cookie/);
  assert.match(manifest('secret.yaml'), /name: superhero-cookie[\s\S]*cookie: /);
});

test('the headless Service publishes the cluster port as SRV records the discovery asks for', () => {
  const svc = manifest('service.yaml');
  assert.match(svc, /clusterIP: None/);
  assert.match(svc, /publishNotReadyAddresses: true/);
  const portNames: string[] = values(manifest('statefulset.yaml'), 'name').filter(
    (n) => n === 'cluster' || n === 'web',
  );
  assert.deepEqual(portNames, ['cluster', 'web']);
  for (const target of values(svc, 'targetPort')) assert.ok(portNames.includes(target), target);
  const discovery = optionsOf(statefulSetArgs(VARS)).discovery ?? '';
  assert.match(discovery, /^dns:_cluster\._tcp\.superhero\./, 'SRV name of the port named cluster');
});

test('the PodDisruptionBudget keeps a quorum of the three voters; kustomize lists every file', () => {
  assert.match(manifest('pdb.yaml'), /maxUnavailable: 1/);
  assert.deepEqual(blockList(manifest('kustomization.yaml'), 'resources').sort(), [
    'pdb.yaml',
    'secret.yaml',
    'service.yaml',
    'statefulset.yaml',
  ]);
});

test('the Dockerfile builds in one stage and runs the compiled JavaScript as a non-root user', () => {
  const docker = readFileSync(`${ROOT}Dockerfile`, 'utf8');
  assert.equal((docker.match(/^FROM /gm) ?? []).length, 2, 'two stages');
  assert.match(docker, /RUN npm run build/);
  assert.match(docker, /^USER node$/m);
  assert.match(docker, /^ENTRYPOINT \["node", "dist\/src\/cli\/main\.js"\]$/m);
  assert.doesNotMatch(docker.split('AS runtime')[1] ?? '', /--import tsx|tsx src/);
});
