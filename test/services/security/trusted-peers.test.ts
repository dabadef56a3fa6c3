import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { GrpcStatusError } from '../../../services/common/grpc/status.js';
import { TrustedPeers } from '../../../services/common/security/trusted-peers.js';

const refused = (field: string) => (e: unknown) =>
  e instanceof GrpcStatusError && e.code === status.PERMISSION_DENIED && e.message.startsWith(`${field}: `);

test('trusted peers: configured patterns, else loopback only, anything with --insecure', async () => {
  const patterns = new TrustedPeers(['*.nasmesh-system.svc:50051', 'trainer-0:50053'], false, 'controller', '--trusted-controller');
  await patterns.assertTrusted('nasmesh-controller.nasmesh-system.svc:50051', 'controller');
  await patterns.assertTrusted('trainer-0:50053', 'controller');
  for (const bad of [
    'nasmesh-controller.nasmesh-system.svc:50052',
    'evil.example:50051',
    'a:b.nasmesh-system.svc:50051',
    '127.0.0.1:50051',
  ]) {
    await assert.rejects(patterns.assertTrusted(bad, 'controller'), refused('controller'), bad);
  }
  const none = new TrustedPeers([], false, 'supernet-trainer', '--trusted-trainer');
  await none.assertTrusted('127.0.0.1:50053', 'supernetTrainer');
  await none.assertTrusted('localhost:50053', 'supernetTrainer');
  await assert.rejects(
    none.assertTrusted('10.0.0.7:50053', 'supernetTrainer'),
    (e: unknown) => refused('supernetTrainer')(e) && /--trusted-trainer/.test((e as Error).message),
  );
  await new TrustedPeers([], true, 'controller', '--trusted-controller').assertTrusted('10.0.0.7:50051', 'controller');
});
