export { SimRandom, seededRandom } from './random.ts';
export { EventQueue } from './event-queue.ts';
export { SimScheduler } from './scheduler.ts';
