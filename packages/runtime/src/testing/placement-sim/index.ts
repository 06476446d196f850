export {
  runPlacementSimulation,
  type PlacementSimMode,
  type PlacementSimOptions,
  type PlacementSimResult,
  type PlacementSimStats,
} from './simulation.ts';
export { ApModel, CpModel, type ModelStore, type StoreHost, type Versioned } from './stores.ts';
