// The in-memory twin passes the shared LogStorage conformance suite. "Reopening" it means
// continuing from an independent copy of its image, which is what survives in a simulation.
import { MemoryLogStorage } from '../../packages/runtime/src/raft/storage/memory-log-storage.ts';
import { logStorageConformance } from '../../packages/runtime/src/testing/conformance/log-storage.ts';

logStorageConformance('MemoryLogStorage', {
  create: async () => new MemoryLogStorage(),
  reopen: async (s) => {
    const copy = (s as MemoryLogStorage).clone();
    await s.close();
    return copy;
  },
  propertyRuns: 100,
});
