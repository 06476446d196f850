/**
 * Failure detection: a pure phi-accrual detector that suspends judgement after its own
 * event-loop stalls, and the heartbeat monitor that drives it over transport connections.
 */
export { PhiAccrualDetector, FAILURE_DETECTOR_DEFAULTS } from './detector.ts';
export type { FailureDetectorOptions, DetectorEvent, PeerStatus } from './detector.ts';
export { ArrivalWindow, phi } from './phi.ts';
export { HeartbeatMonitor } from './heartbeat-monitor.ts';
export type { HeartbeatMonitorOptions, PeerDownEvent } from './heartbeat-monitor.ts';
export { PeerUnreachableError } from './errors.ts';
