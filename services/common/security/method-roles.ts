/** What a caller must be to call an RPC: anyone who can connect, a reader, or a writer. */
export type RequiredRole = 'open' | 'reader' | 'writer';

/** Health checking and server reflection stay open: probes and tools use them, and they tell nothing about searches. */
const OPEN_SERVICES = ['grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];

/**
 * The RPCs that only read: a reader may call them (status, watch, results). Every other nasmesh RPC changes state
 * or spends the service's compute (CreateSearch, CancelSearch, Evaluate, StartTraining, StopTraining,
 * ProfileArchitecture) and takes a writer. An RPC added to the contracts is a writer's until it is listed here.
 */
const READ_ONLY = new Set([
  '/nasmesh.v1.Controller/GetSearch',
  '/nasmesh.v1.Controller/ListSearches',
  '/nasmesh.v1.Controller/WatchSearch',
  '/nasmesh.v1.Controller/GetParetoFront',
  '/nasmesh.v1.Controller/GetPolicySnapshot',
  '/nasmesh.v1.Controller/DownloadResults',
  '/nasmesh.v1.SupernetTrainer/GetStatus',
  '/nasmesh.v1.SupernetTrainer/GetLatestCheckpoint',
]);

/** The role `path` (`/package.Service/Method`) needs. */
export function requiredRole(path: string): RequiredRole {
  if (OPEN_SERVICES.includes(path.split('/')[1] ?? '')) return 'open';
  return READ_ONLY.has(path) ? 'reader' : 'writer';
}
