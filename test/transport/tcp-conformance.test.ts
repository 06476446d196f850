// The TCP transport passes the shared transport conformance suite.
import { TcpTransport } from '../../packages/runtime/src/cluster/transport/tcp-transport.ts';
import type { FramedConnection } from '../../packages/runtime/src/cluster/transport/framed-connection.ts';
import { transportConformance } from '../../packages/runtime/src/testing/conformance/transport.ts';

transportConformance('TcpTransport', () => ({
  create: (options) => new TcpTransport(options),
  pauseReading: (conn) => (conn as FramedConnection).pause(),
}));
