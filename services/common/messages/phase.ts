import type { SearchPhase as StoredPhase } from '../../../src/store/types.js';
import { SearchPhase } from '../../gen/nasmesh/v1/common.js';

const PHASES: Record<StoredPhase, SearchPhase> = {
  pending: SearchPhase.PENDING,
  running: SearchPhase.RUNNING,
  succeeded: SearchPhase.SUCCEEDED,
  failed: SearchPhase.FAILED,
  cancelled: SearchPhase.CANCELLED,
};

export function phaseMessage(phase: StoredPhase): SearchPhase {
  return PHASES[phase];
}
