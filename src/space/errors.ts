import { ValidationError } from '../util/errors.js';

/** An architecture that does not belong to its space; `field` is the decision's name. */
export class InvalidArchitectureError extends ValidationError {}
