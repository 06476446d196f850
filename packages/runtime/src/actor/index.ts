export { ActorSystem, destString } from './system.ts';
export type { ActorSystemOptions } from './system.ts';
export type { Pid, Ref } from './pid.ts';
export { isPid, pidKey, samePid } from './pid.ts';
export type {
  ActorContext,
  AnyBehaviour,
  Behaviour,
  CallResult,
  Dest,
  DownMessage,
  ExitMessage,
  ExitReason,
  From,
  NameResolver,
  SpawnOptions,
  SystemMessage,
  TimerRef,
} from './types.ts';
export { isDown, isExit, isNormalExit } from './types.ts';
export type {
  ActorName,
  Branded,
  CallOf,
  CastOf,
  InfoOf,
  Protocol,
  ReplyOf,
  ReplyTo,
  SpawnedPid,
  TypedBehaviour,
  TypedDest,
  TypedPid,
  TypedResolver,
} from './protocol.ts';
export { actorName, assumeProtocol, typedResolver } from './protocol.ts';
export type { ActorRef } from './actor-ref.ts';
export * from './errors.ts';
export type { ChildSpec, RestartType, Shutdown } from './child-spec.ts';
export { worker } from './child-spec.ts';
export type { Intensity } from './restart-intensity.ts';
export { defaultIntensity, recordRestart } from './restart-intensity.ts';
export type { ChildInfo, Strategy, SupervisorOptions } from './supervisor.ts';
export {
  REACHED_MAX_INTENSITY,
  countChildren,
  startSupervisor,
  supervisor,
  whichChildren,
} from './supervisor.ts';
export type { DynamicSupervisorOptions } from './dynamic-supervisor.ts';
export {
  dynamicChildCount,
  dynamicChildren,
  dynamicSupervisor,
  startChild,
  startDynamicSupervisor,
  terminateChild,
} from './dynamic-supervisor.ts';
export type { Application, ApplicationOptions } from './application.ts';
export { startApplication } from './application.ts';
export type { RemoteBridge, RemoteEnvelope, RemoteTarget } from './remote.ts';
export { RemoteError, toWireReason } from './remote.ts';
export type { Scheduler } from './scheduler.ts';
export { SimScheduler, realScheduler } from './scheduler.ts';
