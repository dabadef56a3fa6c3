import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What `make image` builds, and the settings every podman or buildah call here runs with. */

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
/** The CPU image: localhost/nasmesh:<package.json's version>. */
export const IMAGE = `localhost/nasmesh:${VERSION}`;
/** The GPU image (the Dockerfile's `gpu` target): the same tag with `-gpu`, as the chart's values suggest. */
export const GPU_IMAGE = `${IMAGE}-gpu`;
/** runc and this machine's limits (containers.conf), for podman and buildah. */
export const CONTAINERS_ENV = { CONTAINERS_CONF: join(REPO, 'tools/image/containers.conf') };
