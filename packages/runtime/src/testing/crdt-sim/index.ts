export { CrdtSim, seedFromEnv, type CrdtSimOptions, type SimStats } from './simulator.ts';
export {
  BaselineSimReplica,
  baselineProtocol,
  DeltaSimReplica,
  deltaProtocol,
  type SimController,
  type SimEffect,
  type SimInput,
  type SimProtocol,
  type SimReplica,
  type SimWrite,
} from './adapters.ts';
export {
  resolveNetworkOptions,
  SimNetwork,
  type NetworkOptions,
  type ResolvedNetworkOptions,
} from './network.ts';
export {
  heroRecord,
  measureConvergence,
  measureIdleBytes,
  measureUpdateBytes,
  percentile,
} from './measure.ts';
