/**
 * The `superhero` command.
 *
 * - `superhero start [--nodes 3] [--store raft|etcd|crdt] [--role dispatch] …`: a local cluster, one
 *   process per city node (what `npm start` runs).
 * - `superhero node --name gotham --port 4370 --web-port 4900 --seeds host:port,… --cookie-file …`:
 *   one node, for clusters that span machines.
 *
 * Security flags (cookie file, web host and token, TLS, chaos): `security-options.ts`.
 */
import { Command } from 'commander';
import { nodeOptionsSchema, startOptionsSchema } from './config.ts';
import { addSecurityFlags, securityInput } from './security-options.ts';
import { addEtcdFlags, etcdInput } from './etcd-options.ts';

const program = new Command();
program
  .name('superhero')
  .description('Superhero Dispatch: a fault-tolerant cluster of city nodes')
  .version('0.1.0');

const start = program
  .command('start')
  .description('start a local cluster: gotham, metropolis and capitol (more with --nodes 5)')
  .option('--nodes <n>', 'number of city nodes (1-5)', '3')
  .option('--store <mode>', 'hero state: raft (CP), etcd (CP on etcd) or crdt (AP)', 'raft')
  .option('--role <role>', 'add a dispatch-only node with --role dispatch')
  .option('--data-dir <dir>', 'data directory', 'data')
  .option('--cookie <cookie>', 'cluster cookie (default: $SUPERHERO_COOKIE, else <data-dir>/cookie)')
  .option('--port <port>', 'cluster port of the first node; the others follow', '4370')
  .option('--web-port <port>', 'web port of the first node; the others follow', '4900')
  .action(async (opts: Record<string, string | undefined>) => {
    const parsed = startOptionsSchema.safeParse({
      port: opts.port,
      webPort: opts.webPort,
      nodes: opts.nodes,
      store: opts.store,
      dataDir: opts.dataDir,
      cookie: opts.cookie ?? (opts.cookieFile ? undefined : process.env.SUPERHERO_COOKIE),
      dispatch: opts.role === 'dispatch',
      ...securityInput(opts, process.env),
      ...etcdInput(opts, process.env),
    });
    if (!parsed.success) fail(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
    const { runLauncher } = await import('./launcher.ts');
    await runLauncher(parsed.data);
  });

const node = program
  .command('node')
  .description('start one node (for clusters across machines)')
  .requiredOption('--name <name>', 'node name, e.g. gotham')
  .option('--host <host>', 'interface to bind for the cluster', '127.0.0.1')
  .option('--port <port>', 'cluster port', '4370')
  .option('--web-port <port>', 'HTTP port of the page and API', '4900')
  .option('--seeds <list>', 'comma-separated host:port of other nodes', '')
  .option(
    '--discovery <list>',
    'how to find other nodes besides the seeds: static, dns:<name>[:srv], gossip[:<port>[:<address>]] (comma-separated)',
    'static',
  )
  .option('--dns-servers <list>', 'DNS servers for dns: discovery, ip[:port] (default: the system resolvers)')
  .option('--cookie <cookie>', 'cluster cookie, seen by ps: prefer --cookie-file or $SUPERHERO_COOKIE')
  .option('--advertise-host <host>', 'address peers dial (default: $SUPERHERO_ADVERTISE_HOST, or --host)')
  .option('--expect <n>', 'found a new Raft group once n nodes started with the same --expect are seen')
  .option('--dead-member-grace <s>', 'seconds a Raft member may be unreachable before it is replaced', '30')
  .option('--store <mode>', 'raft, etcd or crdt', 'raft')
  .option('--role <role>', 'city or dispatch', 'city')
  .option('--data-dir <dir>', 'data directory', 'data')
  .option('--log-level <level>', 'debug, info, warn, error or silent', 'info')
  .option('--log-format <format>', 'json, pretty, or auto (pretty on a terminal, JSON otherwise)', 'auto')
  .action(async (opts: Record<string, string | undefined>) => {
    const parsed = nodeOptionsSchema.safeParse({
      ...opts,
      cookie: opts.cookie ?? (opts.cookieFile ? undefined : process.env.SUPERHERO_COOKIE),
      advertiseHost: opts.advertiseHost ?? process.env.SUPERHERO_ADVERTISE_HOST,
      ...securityInput(opts, process.env),
      ...etcdInput(opts, process.env),
      chaos: opts.chaos !== undefined,
    });
    if (!parsed.success)
      fail(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
    const { runNode } = await import('./node-main.ts');
    await runNode(parsed.data);
  });

addSecurityFlags(start, 'start');
addSecurityFlags(node, 'node');
addEtcdFlags(start);
addEtcdFlags(node);

function fail(message: string): never {
  console.error(`superhero: ${message}`);
  process.exit(2);
}

await program.parseAsync(process.argv);
