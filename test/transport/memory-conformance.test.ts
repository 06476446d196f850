// The in-memory transport passes the shared transport conformance suite, and can crash like a
// killed process.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MemoryNetwork } from '../../packages/runtime/src/cluster/transport/memory-network.ts';
import type { FramedConnection } from '../../packages/runtime/src/cluster/transport/framed-connection.ts';
import type { Connection } from '../../packages/runtime/src/cluster/transport/types.ts';
import { transportConformance } from '../../packages/runtime/src/testing/conformance/transport.ts';

transportConformance('MemoryTransport', () => {
  const network = new MemoryNetwork();
  return {
    create: (options) => network.transport(options),
    pauseReading: (conn) => (conn as FramedConnection).pause(),
  };
});

it('a crashed memory transport looks like a killed process: peers see ConnectionLostError, dials are refused', async () => {
  const network = new MemoryNetwork();
  const a = network.transport({ name: 'a', cookie: 'memory-network-cookie' });
  const b = network.transport({ name: 'b', cookie: 'memory-network-cookie' });
  const address = await b.listen();
  const conn: Connection = await a.connect(address);
  const reason = new Promise<Error | undefined>((resolve) => conn.onClose(resolve));
  b.crash();
  assert.equal(((await reason) as Error & { code?: string }).code, 'ERR_CONNECTION_LOST');
  await assert.rejects(a.connect(address), { code: 'ERR_CONNECT_FAILED' });
  await a.close();
});
