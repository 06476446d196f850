// Static seeds, address parsing and combining sources.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combineDiscovery } from '../../packages/runtime/src/cluster/discovery/combine.ts';
import { StaticDiscovery } from '../../packages/runtime/src/cluster/discovery/static.ts';
import { normalizeCandidates, parseCandidate } from '../../packages/runtime/src/cluster/discovery/types.ts';
import type { Candidate, Discovery } from '../../packages/runtime/src/cluster/discovery/types.ts';
import { waitFor } from '../../packages/runtime/src/testing/conformance/transport.ts';

describe('candidate addresses', () => {
  it('parse host:port, [v6]:port and name@host:port', () => {
    assert.deepEqual(parseCandidate('127.0.0.1:4800'), { host: '127.0.0.1', port: 4800 });
    assert.deepEqual(parseCandidate('[::1]:4800'), { host: '::1', port: 4800 });
    assert.deepEqual(parseCandidate('gotham@gotham.local:4900'), {
      host: 'gotham.local',
      port: 4900,
      name: 'gotham@gotham.local:4900',
    });
  });

  it('reject anything without a valid port', () => {
    for (const bad of ['gotham', '127.0.0.1', '127.0.0.1:0', 'h:70000', ':4800', '::1:4800', 'h:48a']) {
      assert.throws(() => parseCandidate(bad), TypeError, bad);
    }
  });

  it('are de-duplicated by address and sorted', () => {
    assert.deepEqual(
      normalizeCandidates([
        { host: 'b', port: 2 },
        { host: 'a', port: 1, name: 'first' },
        { host: 'a', port: 1, name: 'second' },
      ]),
      [
        { host: 'a', port: 1, name: 'first' },
        { host: 'b', port: 2 },
      ],
    );
  });
});

describe('static discovery', () => {
  it('offers its seeds at once and again every interval, until stopped', async () => {
    const seeds = new StaticDiscovery({
      seeds: ['127.0.0.1:4801', { host: '127.0.0.1', port: 4800 }],
      intervalMs: 30,
    });
    const views: Array<readonly Candidate[]> = [];
    await seeds.start((view) => views.push(view));
    assert.equal(views.length, 1, 'the first offer is synchronous with start');
    assert.deepEqual(views[0], [
      { host: '127.0.0.1', port: 4800 },
      { host: '127.0.0.1', port: 4801 },
    ]);
    await waitFor(() => views.length >= 3, 1000, 'repeated offers');
    await seeds.stop();
    const count = views.length;
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(views.length, count);
  });

  it('validates its seeds when constructed', () => {
    assert.throws(() => new StaticDiscovery({ seeds: ['not-an-address'] }), TypeError);
  });
});

describe('combined discovery', () => {
  it('offers the union of its sources’ latest views', async () => {
    let push: ((view: readonly Candidate[]) => void) | undefined;
    const manual: Discovery = {
      start: async (listener) => {
        push = listener;
      },
      stop: async () => {
        push = undefined;
      },
    };
    const combined = combineDiscovery(
      new StaticDiscovery({ seeds: ['10.0.0.1:4800'], intervalMs: 60_000 }),
      manual,
    );
    const views: Array<readonly Candidate[]> = [];
    await combined.start((view) => views.push(view));
    push!([{ host: '10.0.0.2', port: 4800 }]);
    push!([{ host: '10.0.0.3', port: 4800 }]);
    assert.deepEqual(
      views.at(-1)!.map((c) => c.host),
      ['10.0.0.1', '10.0.0.3'],
    );
    await combined.stop();
    assert.equal(push, undefined);
  });

  it('stops the sources it started when a later one fails to start', async () => {
    const seeds = new StaticDiscovery({ seeds: ['10.0.0.1:4800'], intervalMs: 60_000 });
    let stopped = false;
    const original = seeds.stop.bind(seeds);
    seeds.stop = async () => {
      stopped = true;
      await original();
    };
    const broken: Discovery = {
      start: async () => {
        throw new Error('port in use');
      },
      stop: async () => undefined,
    };
    await assert.rejects(
      combineDiscovery(seeds, broken).start(() => undefined),
      /port in use/,
    );
    assert.equal(stopped, true);
  });
});
