/** host:port as gRPC clients take it: a host name or IPv4 address, or an [IPv6] address, and a port 1-65535. */
const HOST_PORT = /^(\[[^\]]+\]|[^\s:/[\]]+):(\d+)$/;

export function isHostPort(value: string): boolean {
  const match = HOST_PORT.exec(value);
  return match !== null && Number(match[2]) >= 1 && Number(match[2]) <= 65535;
}
