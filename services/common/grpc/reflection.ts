import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { protoPath as healthProto } from 'grpc-health-check';

export const HEALTH_SERVICE = 'grpc.health.v1.Health';

/**
 * Server reflection for `services` (full names), built from the .proto files under proto/ at run time. proto/ is
 * looked for above this module, so the same code works from the sources and from dist/.
 */
export function reflectionService(services: readonly string[]): ReflectionService {
  const root = protoRoot();
  const files = readdirSync(join(root, 'nasmesh', 'v1'))
    .filter((f) => f.endsWith('.proto'))
    .map((f) => `nasmesh/v1/${f}`);
  const definition = loadSync([...files, healthProto], { includeDirs: [root] });
  return new ReflectionService(definition, { services: [...services] });
}

function protoRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'proto', 'nasmesh', 'v1'))) return join(dir, 'proto');
    if (dirname(dir) === dir) throw new Error(`no proto/nasmesh/v1 directory above ${start}`);
  }
}
