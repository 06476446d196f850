// The TCP transport passes the shared transport conformance suite.
import { TcpTransport } from '../../src/cluster/transport/tcp-transport.ts';
import type { FramedConnection } from '../../src/cluster/transport/framed-connection.ts';
import { transportConformance } from '../../src/testing/conformance/transport.ts';

transportConformance('TcpTransport', () => ({
  create: (options) => new TcpTransport(options),
  pauseReading: (conn) => (conn as FramedConnection).pause(),
}));
