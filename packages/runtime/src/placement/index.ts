export { DistributedSupervisor, startDistributedSupervisor } from './distributed-supervisor.ts';
export type { DistributedSupervisorOptions } from './distributed-supervisor.ts';
export { PlacementError } from './errors.ts';
export { isTransactional } from './fence.ts';
export type { FencedWriter, TransactionalStore } from './fence.ts';
export type { PlacementErrorCode } from './errors.ts';
export { rendezvous } from './rendezvous.ts';
export type {
  PlacedChildSpec,
  PlacedInit,
  PlacementCall,
  PlacementRecord,
  PlacementStrategy,
} from './types.ts';
export { isPlacementCall } from './types.ts';
