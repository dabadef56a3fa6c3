import { protoCodec } from '../nats/proto-codec.js';
import { EvaluationJob, EvaluationResult } from '../../gen/nasmesh/v1/evaluator.js';

/** Jobs and results on the work queue and results streams, in their binary protobuf form. */
export const jobCodec = protoCodec(EvaluationJob, 'EvaluationJob');
export const resultCodec = protoCodec(EvaluationResult, 'EvaluationResult');
