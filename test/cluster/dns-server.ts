/**
 * A tiny authoritative DNS server on 127.0.0.1 (or another local address) for tests (dns-packet over UDP): answers from a
 * mutable zone of A, AAAA and SRV records, NXDOMAIN for names it does not know; it counts the
 * queries and can be told to stop answering (a resolver timing out).
 */
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { Answer } from 'dns-packet';

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, for `DnsDiscovery({ servers })`. */
  readonly address: string;
  /** Replaces the records of `type` for `name`. */
  set(type: 'A' | 'AAAA' | 'SRV', name: string, answers: Answer[]): void;
  /** Forgets every record. */
  clear(): void;
  /** Queries received so far, answered or not. */
  readonly queries: number;
  /** While true, queries are received but never answered. */
  silent: boolean;
  close(): Promise<void>;
}

/** `host`: the address to answer on. Default 127.0.0.1 (a bridge address for network namespaces). */
export async function startDnsServer(host = '127.0.0.1'): Promise<TestDnsServer> {
  const zone = new Map<string, Answer[]>();
  const socket = dgram.createSocket('udp4');
  let queries = 0;
  const server = {
    address: '',
    set: (type: 'A' | 'AAAA' | 'SRV', name: string, answers: Answer[]) =>
      void zone.set(`${type} ${name}`, answers),
    clear: () => zone.clear(),
    get queries() {
      return queries;
    },
    silent: false,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (message, from) => {
    queries++;
    if (server.silent) return;
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (!question) return;
    const answers = zone.get(`${question.type} ${question.name}`) ?? [];
    const known = [...zone.keys()].some((key) => key.endsWith(` ${question.name}`));
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (known ? 0 : 3), // rcode 3: NXDOMAIN
      questions: [question],
      answers,
    });
    socket.send(response, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  server.address = `${host}:${socket.address().port}`;
  return server;
}
