/**
 * Entity workers (the split-brain article's app, fixed): the public surface of this example.
 * See `entity-workers.ts` for the service, `entity.ts` for the record and its merge.
 */
export { startEntityWorkers } from './entity-workers.ts';
export type { EntityWorkers, EntityWorkersOptions } from './entity-workers.ts';
export { ENTITY_STATES, isEntityState, mergeRecords, viewOf } from './entity.ts';
export type { Entity, EntityRecord, EntityState, Stamp, SupersededWrite } from './entity.ts';
export * from './errors.ts';
