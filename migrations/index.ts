import { Infrastructure1795440000000 } from './1795440000000-infrastructure';
import { Identity1795440045071 } from './1795440045071-identity';

/**
 * Every migration, oldest first. Add a new migration class here (never edit one that has been merged).
 * Used by the server at start, `mandate migrate`, the drift check and the test template database.
 */
export const MIGRATIONS = [Infrastructure1795440000000, Identity1795440045071];
