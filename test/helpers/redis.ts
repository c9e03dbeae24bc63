/** A real Redis for integration tests (see scripts/lib/redis-server.ts). */
export { startRedis, type ThrowawayRedis as TestRedis } from '../../scripts/lib/redis-server.ts';
