/**
 * The address a node advertises to its peers (what they dial, and what its full name
 * `name@host:port` carries). A pure choice from the bind host, `--advertise-host` and the host's
 * interfaces (`os.networkInterfaces()`, passed in):
 *
 * - `--advertise-host` given: that address, unless it is unspecified (`0.0.0.0`, `::`), which no
 *   peer can dial: refused with `AdvertiseHostError`.
 * - bound to a specific address: that address.
 * - bound to `0.0.0.0` or `::` without `--advertise-host`: the first non-loopback address of the
 *   host (IPv4 first for `0.0.0.0`), with `picked: true` so the caller logs it; none: refused.
 *
 * Example:
 * ```ts
 * const a = chooseAdvertiseHost({ host: '0.0.0.0', interfaces: os.networkInterfaces() });
 * // { host: '10.0.0.2', picked: true }
 * ```
 */
import { CodedError } from '@superhero-dispatch/runtime';
import type { NetworkInterfaceInfo } from 'node:os';

export class AdvertiseHostError extends CodedError<'advertise_host'> {
  constructor(message: string) {
    super('advertise_host', message);
  }
}

export function isUnspecified(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === '0.0.0.0' || h === '::' || h === '0:0:0:0:0:0:0:0' || h === '';
}

export interface AdvertiseInput {
  readonly host: string;
  readonly advertiseHost?: string | undefined;
  readonly interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
}

export function chooseAdvertiseHost(input: AdvertiseInput): { host: string; picked: boolean } {
  if (input.advertiseHost !== undefined && input.advertiseHost !== '') {
    if (isUnspecified(input.advertiseHost)) {
      throw new AdvertiseHostError(
        `--advertise-host ${input.advertiseHost} is not an address peers can dial; give this host's own address`,
      );
    }
    return { host: input.advertiseHost, picked: false };
  }
  if (!isUnspecified(input.host)) return { host: input.host, picked: false };
  const all = Object.values(input.interfaces)
    .flatMap((list) => list ?? [])
    .filter((i) => !i.internal);
  const v4 = all.find((i) => i.family === 'IPv4');
  const chosen = input.host.includes(':') ? (v4 ?? all[0]) : v4;
  if (chosen === undefined) {
    throw new AdvertiseHostError(
      `bound to ${input.host} but this host has no non-loopback address to advertise; pass --advertise-host`,
    );
  }
  return { host: chosen.address, picked: true };
}
