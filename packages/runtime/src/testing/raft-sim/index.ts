export {
  runRaftSimulation,
  type FaultProfile,
  type RaftSimOptions,
  type RaftSimResult,
  type RaftSimStats,
} from './simulation.ts';
export { ScriptedCluster, type ScriptedNode } from './script.ts';
export { SafetyMonitor } from './invariants.ts';
