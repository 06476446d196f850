export {
  floodStreams,
  STREAM_FLOOD_WORKER,
  type StreamFlood,
  type StreamFloodOptions,
} from './stream-flood.ts';
export { probeOnce, sampleProbe, type ProbeSampler, type ProbeSamples } from './probe-sampler.ts';
