/**
 * The dispatch-service contract (src/dispatch/conformance/dispatch-service.ts) over HTTP against a
 * real three-node cluster of node processes in raft mode: status codes, error bodies and
 * idempotency keys end to end, as a client sees them.
 */
import { dispatchServiceConformance } from '../../src/dispatch/conformance/dispatch-service.ts';
import { httpDispatchService } from '../../src/dispatch/conformance/dispatch-http-client.ts';
import { startDispatchCluster } from './dispatch-cluster.ts';

const NAMES = ['gotham', 'metropolis', 'capitol'];

dispatchServiceConformance('three node processes over HTTP (raft)', {
  settleMs: 30_000,
  start: async () => {
    const cluster = await startDispatchCluster(NAMES, 'raft');
    const [gotham, metropolis] = [cluster.byName('gotham'), cluster.byName('metropolis')];
    return {
      service: httpDispatchService(`http://127.0.0.1:${gotham.webPort}`, 'gotham'),
      other: httpDispatchService(`http://127.0.0.1:${metropolis.webPort}`, 'metropolis'),
      nodes: NAMES,
      stop: () => cluster.stop(),
    };
  },
});
