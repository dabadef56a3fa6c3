import { readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, platform } from 'node:os';
import { type BackendName, backendSelection, tf } from './backend.js';

/**
 * The instruction-set extensions that TensorFlow's CPU kernels (oneDNN, Eigen) choose between, as Linux's
 * /proc/cpuinfo names them (x86 `flags`, Arm `Features`). The same seed reproduces a search only where these and the
 * backend are the same: kernels of another width round differently, and over a search the differences grow into
 * another search.
 */
const KERNEL_EXTENSIONS = [
  'sse4_2',
  'avx',
  'avx2',
  'fma',
  'avx512f',
  'avx512_vnni',
  'avx512_bf16',
  'amx_tile',
  'amx_bf16',
  'asimd',
  'sve',
  'sve2',
] as const;

/** The machine a result was computed on (summary.json's `machine`), so that a reader knows where it reproduces. */
export interface MachineRecord {
  backend: BackendName;
  /** The package that provided `tensorflow` (tfjs-node, tfjs-node-gpu). */
  backendPackage?: string;
  /** tfjs-node-gpu only: whether TensorFlow found a GPU (without one it runs its CPU kernels). */
  gpu?: boolean;
  /** `tensorflow` only: TensorFlow's intra-op thread pool. */
  intraOpThreads?: number;
  /** The CPU's model name, as the OS reports it. */
  cpu: string;
  /**
   * The CPU's generation as /proc/cpuinfo numbers it (x86 `cpu family` and `model`, e.g. "family 25, model 17"; Arm
   * `CPU implementer` and `CPU part`), where the model name does not tell it (a virtual machine's "AMD EPYC").
   */
  cpuModelId?: string;
  /** Of KERNEL_EXTENSIONS, those this CPU has; absent where the OS does not say (no /proc/cpuinfo). */
  cpuExtensions?: string[];
  /** Cores this process may use. */
  cores: number;
  /** `${os.platform()}-${os.arch()}`, e.g. linux-x64. */
  platform: string;
  node: string;
}

/** Describes this process's machine and the backend in use; `cpuinfo` null: unknown. */
export function describeMachine(cpuinfo: string | null = readCpuinfo()): MachineRecord {
  const backend = tf.getBackend() as BackendName;
  const selection = backendSelection();
  const threads = Number(process.env.TF_NUM_INTRAOP_THREADS);
  const extensions = cpuinfo === null ? undefined : cpuExtensions(cpuinfo);
  const modelId = cpuinfo === null ? undefined : cpuModelId(cpuinfo);
  return {
    backend,
    ...(selection?.package ? { backendPackage: selection.package } : {}),
    ...(selection?.gpu !== undefined ? { gpu: selection.gpu } : {}),
    ...(backend === 'tensorflow' && Number.isInteger(threads) && threads > 0 ? { intraOpThreads: threads } : {}),
    cpu: cpus()[0]?.model.trim() || 'unknown',
    ...(modelId ? { cpuModelId: modelId } : {}),
    ...(extensions ? { cpuExtensions: extensions } : {}),
    cores: availableParallelism(),
    platform: `${platform()}-${arch()}`,
    node: process.version,
  };
}

/** Of KERNEL_EXTENSIONS, those in /proc/cpuinfo's first `flags` (x86) or `Features` (Arm) line, in that list's order. */
export function cpuExtensions(cpuinfo: string): string[] {
  const line = /^(?:flags|Features)\s*:(.*)$/m.exec(cpuinfo);
  const present = new Set(line?.[1]!.trim().split(/\s+/) ?? []);
  return KERNEL_EXTENSIONS.filter((e) => present.has(e));
}

/** The first CPU's family and model (x86) or implementer and part (Arm) in /proc/cpuinfo; undefined where absent. */
export function cpuModelId(cpuinfo: string): string | undefined {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(\\S+)`, 'm').exec(cpuinfo)?.[1];
  const [family, model] = [field('cpu family'), field('model')];
  if (family !== undefined && model !== undefined) return `family ${family}, model ${model}`;
  const [implementer, part] = [field('CPU implementer'), field('CPU part')];
  if (implementer !== undefined && part !== undefined) return `implementer ${implementer}, part ${part}`;
  return undefined;
}

function readCpuinfo(): string | null {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
}
