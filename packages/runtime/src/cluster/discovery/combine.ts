/**
 * Several discovery sources as one: the view is the union of the sources' latest views, offered
 * whenever any source offers its own.
 *
 * Example:
 * ```ts
 * const discovery = combineDiscovery(new StaticDiscovery({ seeds }), new GossipDiscovery({ localName, cookie }));
 * await discovery.start(dialAll);
 * ```
 *
 * `start` starts every source and rejects (after stopping the ones that started) if any fails.
 */
import { normalizeCandidates } from './types.ts';
import type { Candidate, Discovery } from './types.ts';

export function combineDiscovery(...sources: Discovery[]): Discovery {
  const views = new Map<Discovery, readonly Candidate[]>();
  let listener: ((candidates: readonly Candidate[]) => void) | undefined;
  return {
    async start(onCandidates) {
      listener = onCandidates;
      const started: Discovery[] = [];
      try {
        for (const source of sources) {
          await source.start((view) => {
            views.set(source, view);
            listener?.(normalizeCandidates([...views.values()].flat()));
          });
          started.push(source);
        }
      } catch (err) {
        listener = undefined;
        await Promise.all(started.map((source) => source.stop()));
        throw err;
      }
    },
    async stop() {
      listener = undefined;
      await Promise.all(sources.map((source) => source.stop()));
    },
  };
}
