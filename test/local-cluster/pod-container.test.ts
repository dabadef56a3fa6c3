import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { containerSecurity, podmanRunArgs } from '../../tools/local-cluster/pod-runner/pod-container.js';

/** The chart's pod and container securityContext (helm/nasmesh/values.yaml). */
const chartPod = (container: Partial<V1Container> = {}): [V1Pod, V1Container] => {
  const c: V1Container = {
    name: 'controller',
    image: 'localhost/nasmesh:0.1.0',
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    ...container,
  };
  const pod: V1Pod = {
    spec: {
      containers: [c],
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        fsGroup: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      },
    },
  };
  return [pod, c];
};

describe("the local cluster's containers: a pod's securityContext as a kubelet applies it", () => {
  it('merges the pod and the container, the container winning, and falls back to the image for the user', () => {
    const [pod, c] = chartPod();
    assert.deepEqual(containerSecurity(pod, c, { user: 1, group: 1 }), {
      user: 10001,
      group: 10001,
      supplementalGroups: [10001],
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      noNewPrivileges: true,
      dropCapabilities: ['ALL'],
      addCapabilities: [],
      seccomp: 'RuntimeDefault',
    });
    const [, overriding] = chartPod({ securityContext: { runAsUser: 20002, seccompProfile: { type: 'Unconfined' } } });
    const s = containerSecurity(pod, overriding, {});
    assert.deepEqual([s.user, s.group, s.seccomp, s.readOnlyRootFilesystem, s.noNewPrivileges], [20002, 10001, 'Unconfined', false, false]);
    const bare: V1Pod = { spec: { containers: [{ name: 'c' }] } };
    assert.deepEqual(containerSecurity(bare, bare.spec!.containers[0]!, { user: 10001 }).user, 10001, "the image's USER");
  });

  it('refuses, as a kubelet does, a runAsNonRoot container that would run as root or as an unnamed user', () => {
    const pod: V1Pod = { spec: { containers: [{ name: 'c' }], securityContext: { runAsNonRoot: true } } };
    assert.throws(
      () => containerSecurity(pod, pod.spec!.containers[0]!, { user: 0 }),
      /container c: runAsNonRoot is set but it would run as root/,
    );
    assert.throws(() => containerSecurity(pod, pod.spec!.containers[0]!, {}), /would run as an unnamed user/);
    const localhost: V1Pod = { spec: { containers: [{ name: 'c', securityContext: { seccompProfile: { type: 'Localhost' } } }] } };
    assert.throws(() => containerSecurity(localhost, localhost.spec!.containers[0]!, {}), /seccompProfile Localhost is not supported/);
  });

  it("runs podman with the pod's user, groups, read-only root (no tmpfs), capabilities, volumes and command", () => {
    const [pod, c] = chartPod();
    const args = podmanRunArgs({
      name: 'ns_pod_1234abcd_controller',
      clusterLabel: '/tmp/cluster',
      image: c.image!,
      command: ['nasmesh'],
      args: ['serve', 'controller'],
      env: { A: '1' },
      hostsFile: '/tmp/cluster/pods/p/hosts',
      mounts: [{ source: '/tmp/cluster/pods/p/volumes/mesh', target: '/var/run/nasmesh/mesh', readOnly: true }],
      security: containerSecurity(pod, c, {}),
      envFile: '/tmp/cluster/pods/p/controller.env',
    });
    const joined = args.join(' ');
    for (const part of [
      '--network host',
      '--pull never',
      '--user 10001:10001',
      '--group-add 10001',
      '--read-only --read-only-tmpfs=false',
      '--security-opt no-new-privileges',
      '--cap-drop ALL',
      '--volume /tmp/cluster/pods/p/hosts:/etc/hosts:ro',
      '--volume /tmp/cluster/pods/p/volumes/mesh:/var/run/nasmesh/mesh:ro',
      '--label io.nasmesh.local-cluster=/tmp/cluster',
    ]) {
      assert.ok(joined.includes(part), `${part} in: ${joined}`);
    }
    assert.deepEqual(args.slice(-5), ['--entrypoint', '["nasmesh"]', 'localhost/nasmesh:0.1.0', 'serve', 'controller']);
    assert.ok(!joined.includes('seccomp='), 'the runtime default profile, not unconfined');
  });
});
