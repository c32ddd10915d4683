import { BlockList } from 'node:net';

/**
 * IP address literals and CIDR blocks, parsed the way event-ruler does (which defers to Java's InetAddress):
 * dotted-quad IPv4, colon-hex IPv6 without embedded IPv4 or zone, and IPv4-mapped IPv6 treated as IPv4.
 */

const IPV4_SHAPE = /^\d+\.\d+\.\d+\.\d+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The 4 or 16 address bytes of an IP literal, or undefined when the text is not one. */
export function parseIpAddress(text: string): Uint8Array | undefined {
  if (IPV4_SHAPE.test(text)) {
    return parseIpv4(text);
  }
  if (IPV6_SHAPE.test(text)) {
    return parseIpv6(text);
  }
  return undefined;
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const value = Number(parts[i]);
    if (value > 255) {
      return undefined;
    }
    bytes[i] = value;
  }
  return bytes;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) {
    return undefined;
  }
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) {
    return undefined;
  }
  const count = head.length + tail.length;
  // "::" stands for at least one zero group.
  if (halves.length === 2 ? count > 7 : count !== 8) {
    return undefined;
  }
  const bytes = new Uint8Array(16);
  head.forEach(function writeHead(group, index) {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  tail.forEach(function writeTail(group, index) {
    const at = 16 - (tail.length - index) * 2;
    bytes[at] = group >> 8;
    bytes[at + 1] = group & 0xff;
  });
  return isIpv4Mapped(bytes) ? bytes.slice(12) : bytes;
}

function groups(text: string): number[] | undefined {
  if (text === '') {
    return [];
  }
  const result: number[] = [];
  for (const group of text.split(':')) {
    if (!HEX_GROUP.test(group)) {
      return undefined;
    }
    result.push(Number.parseInt(group, 16));
  }
  return result;
}

// Java's InetAddress hands ::ffff:a.b.c.d back as an IPv4 address, and event-ruler inherits that.
function isIpv4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) {
    if (bytes[i] !== 0) {
      return false;
    }
  }
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** A CIDR block of one family, matched by Node's own `net.BlockList`. */
export interface IpRange {
  readonly family: 'ipv4' | 'ipv6';
  readonly block: BlockList;
}

/**
 * Parses `address/bits`; the address need not be the network address (its host bits are ignored).
 * The text is parsed here, the way event-ruler (Java's InetAddress) accepts it; the range test is
 * Node's `net.BlockList`. Returns an error message instead of throwing so the caller decides the
 * error type.
 */
export function parseCidr(text: string): IpRange | string {
  const slashed = text.split('/');
  // Java's String.split drops trailing empty parts, so "10.0.0.0/" has a single part too.
  while (slashed.length > 0 && slashed[slashed.length - 1] === '') {
    slashed.pop();
  }
  if (slashed.length !== 2) {
    return "Malformed CIDR, one '/' required";
  }
  const bitsText = slashed[1] ?? '';
  if (!/^[+-]?\d+$/.test(bitsText) || Math.abs(Number(bitsText)) > 2147483647) {
    return 'Malformed CIDR, mask bits must be an integer';
  }
  const bits = Number(bitsText);
  if (bits < 0) {
    return 'Malformed CIDR, mask bits must not be negative';
  }
  const address = parseIpAddress(slashed[0] ?? '');
  if (address === undefined) {
    return `Invalid IP address: ${slashed[0]}`;
  }
  if (bits > address.length * 8) {
    return address.length === 4 ? 'IPv4 mask bits must be <= 32' : 'IPv6 mask bits must be <= 128';
  }
  const family = address.length === 4 ? 'ipv4' : 'ipv6';
  const block = new BlockList();
  block.addSubnet(formatIp(address), bits, family);
  return { family, block };
}

/** Whether an address lies in a range of the same family (an IPv4 address is never in an IPv6 block). */
export function ipInRange(address: Uint8Array, range: IpRange): boolean {
  if ((address.length === 4 ? 'ipv4' : 'ipv6') !== range.family) {
    return false;
  }
  return range.block.check(formatIp(address), range.family);
}

/** Whether two addresses are the same address. */
export function ipEquals(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && left.every((byte, index) => byte === right[index]);
}

/** The canonical text of 4 or 16 address bytes (uncompressed IPv6), as `net.BlockList` reads it. */
function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}
