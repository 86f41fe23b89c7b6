/**
 * What a process built from AppModule does besides serving its modules:
 * - `server`: HTTP API; relays the outbox to Redis, or (no REDIS_URL) runs the jobs itself.
 * - `worker`: no HTTP; relays the outbox and runs the BullMQ processors (REDIS_URL required).
 * - `tool`: CLI and checks; no background work at all.
 */
export type AppRole = 'server' | 'worker' | 'tool';
