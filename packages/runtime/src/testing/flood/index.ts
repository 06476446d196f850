export { floodStreams, type StreamFlood, type StreamFloodOptions } from './stream-flood.ts';
export { probeOnce, sampleProbe, type ProbeSampler, type ProbeSamples } from './probe-sampler.ts';
