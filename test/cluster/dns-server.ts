/**
 * A tiny authoritative DNS server on 127.0.0.1 for tests (dns-packet over UDP): answers from a
 * mutable zone of A and SRV records, NXDOMAIN for names it does not know.
 */
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { Answer } from 'dns-packet';

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, for `DnsDiscovery({ servers })`. */
  readonly address: string;
  /** Replaces the records of `type` for `name`. */
  set(type: 'A' | 'SRV', name: string, answers: Answer[]): void;
  close(): Promise<void>;
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const zone = new Map<string, Answer[]>();
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, from) => {
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
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    set: (type, name, answers) => void zone.set(`${type} ${name}`, answers),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
