import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { logger } from '#server/logger'

/** REDIS_URL is set but Redis does not answer: the server refuses to start (one plain line for the operator). */
export class RedisUnavailableError extends Error {}

export type RedisSettings = {
  url: string
  /** Every key and channel starts with `<prefix>:`, so several sites (or test runs) can share one Redis. */
  prefix: string
  /** A process whose heartbeat key is this old counts as gone (its clients' presence is removed). */
  processTtlMs?: number
}

/**
 * The process's Redis: one connection for commands and publishing, one for subscriptions (a
 * subscribed connection can do nothing else). Made once in server/site.ts when REDIS_URL is set.
 * Every process keeps a heartbeat key with a TTL, so the others notice when it is gone (kill -9 included).
 */
export class RedisBus {
  /** Tags every message this process publishes: nothing it sends is applied back to itself. */
  readonly processId = randomUUID()
  readonly processTtlMs: number
  private readonly handlers = new Map<string, (message: Buffer) => void>()
  private readonly reconnectListeners = new Set<() => void>()
  private heartbeat: NodeJS.Timeout | null = null
  private connectedOnce = false

  private constructor(
    private readonly settings: RedisSettings,
    readonly commands: Redis,
    private readonly subscriber: Redis,
  ) {
    this.processTtlMs = settings.processTtlMs ?? 6000
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      const handler = this.handlers.get(channel.toString())
      if (!handler) return
      try {
        handler(message)
      } catch (error) {
        logger.error({ err: error, channel: channel.toString() }, 'handling a Redis message failed')
      }
    })
    // After a lost connection ioredis subscribes again on its own; what was published meanwhile
    // never arrives, so listeners catch up (live documents exchange state vectors).
    subscriber.on('ready', () => {
      if (!this.connectedOnce) return
      logger.info('Redis connection back; catching up')
      // Channels whose subscribe failed while Redis was away are not in ioredis's own list.
      const channels = [...this.handlers.keys()]
      // Beat at once: a Redis that restarted empty lost every heartbeat, and the others must not take us for gone.
      // The listeners publish (live documents say hello) on the other connection, which reconnects on its
      // own schedule: without an offline queue a publish before it is back fails, and the catch-up with it.
      void this.commandsReady()
        .then(() => Promise.all([this.beat().catch(() => {}), channels.length > 0 ? this.subscriber.subscribe(...channels) : undefined]))
        .then(
          () => this.reconnectListeners.forEach((listener) => listener()),
          (error) => logger.warn({ err: error }, 'subscribing again after a Redis reconnect failed'),
        )
    })
    for (const connection of [commands, subscriber]) connection.on('error', (error) => logger.warn({ err: error }, 'Redis connection error'))
  }

  /** Resolves once the publishing connection is up (at once when it is). */
  private commandsReady() {
    if (this.commands.status === 'ready') return Promise.resolve()
    return new Promise<void>((resolve) => this.commands.once('ready', () => resolve()))
  }

  static async connect(settings: RedisSettings) {
    // No offline queue: while Redis is away, publishing fails at once (and the reconnect catches
    // up) instead of piling up in memory.
    const options = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 }
    // ioredis (~5 MB) is loaded only by a site that uses Redis (docs/decisions/009).
    const { Redis } = await import('ioredis')
    const bus = new RedisBus(settings, new Redis(settings.url, options), new Redis(settings.url, options))
    try {
      await Promise.all([bus.commands.connect(), bus.subscriber.connect()])
    } catch (error) {
      bus.commands.disconnect()
      bus.subscriber.disconnect()
      throw new RedisUnavailableError(`Redis op ${redactedUrl(settings.url)} (REDIS_URL) antwoordt niet: ${(error as Error).message}. Er is niets gestart; start Redis of verbeter REDIS_URL.`)
    }
    bus.connectedOnce = true
    await bus.beat()
    bus.heartbeat = setInterval(() => void bus.beat().catch((error) => logger.warn({ err: error }, 'Redis heartbeat failed')), Math.max(200, Math.floor(bus.processTtlMs / 3)))
    bus.heartbeat.unref()
    return bus
  }

  key(name: string) {
    return `${this.settings.prefix}:${name}`
  }

  async subscribe(channel: string, handler: (message: Buffer) => void) {
    this.handlers.set(this.key(channel), handler)
    await this.subscriber.subscribe(this.key(channel))
  }

  async unsubscribe(channel: string) {
    this.handlers.delete(this.key(channel))
    await this.subscriber.unsubscribe(this.key(channel))
  }

  async publish(channel: string, message: Buffer) {
    await this.commands.publish(this.key(channel), message)
  }

  /** How many connections (this process's included) listen on a channel. */
  async listeners(channel: string) {
    const [, count] = (await this.commands.pubsub('NUMSUB', this.key(channel))) as [string, number | string]
    return Number(count)
  }

  onReconnect(listener: () => void) {
    this.reconnectListeners.add(listener)
    return () => void this.reconnectListeners.delete(listener)
  }

  /** Which of these processes still beat. */
  async alive(processIds: string[]) {
    if (processIds.length === 0) return new Set<string>()
    const values = await this.commands.mget(processIds.map((id) => this.key(`process:${id}`)))
    return new Set(processIds.filter((_id, index) => values[index] !== null))
  }

  private async beat() {
    await this.commands.set(this.key(`process:${this.processId}`), '1', 'PX', this.processTtlMs)
  }

  async close() {
    if (this.heartbeat) clearInterval(this.heartbeat)
    // Gone at once for the others, not after the TTL.
    await this.commands.del(this.key(`process:${this.processId}`)).catch(() => {})
    await Promise.allSettled([this.subscriber.quit(), this.commands.quit()])
  }
}

/** The URL without its password, for messages. */
function redactedUrl(url: string) {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'REDIS_URL'
  }
}
