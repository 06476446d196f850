/** What the entity-worker tests read off a cluster of services. */
import type { Entity, EntityWorkers } from '../../examples/entity-workers/index.ts';

/** How many services run a worker for entity `id` (one once the cluster has settled). */
export async function workerCount(services: readonly EntityWorkers[], id: string): Promise<number> {
  const lists = await Promise.all(services.map((s) => s.workers()));
  return lists.filter((l) => l.includes(id)).length;
}

/** A write's stamp as a comparable string. */
export const stampKey = (stamp: Entity['updatedAt'] | undefined): string => JSON.stringify(stamp);

/** The writes the worker of `id` holds, as seen from `service`: current and history, sorted. */
export async function heldStamps(service: EntityWorkers, id: string): Promise<string[]> {
  const view = await service.getEntity(id);
  return [view.updatedAt, ...view.history.map((h) => h.stamp)].map(stampKey).sort();
}
