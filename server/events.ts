import { logger } from '#server/logger'
import type { RedisBus } from '#server/redis'

/**
 * Site-wide signals. Payloads are plain JSON, so a relay (Redis pub/sub) can
 * carry them to other processes unchanged.
 */
export type SiteEventMap = {
  /** A user's rights changed (role, account disabled): everything they have open is checked again. */
  'access-changed': { userId: number }
  /** Sessions ended (logout, ended elsewhere, new password): what was opened with them closes. */
  'sessions-ended': { sessionIds: string[] }
}

export type SiteEventName = keyof SiteEventMap
export type SiteEventListener<Name extends SiteEventName> = (payload: SiteEventMap[Name]) => void | Promise<void>

/**
 * One instance per process, made in server/site.ts and handed to routes through
 * the load context (a module-level emitter would exist twice: Remix build and server).
 */
export interface SiteEvents {
  /** Resolves once this process's listeners are done: a caller's answer comes after the effect. */
  publish<Name extends SiteEventName>(name: Name, payload: SiteEventMap[Name]): Promise<void>
  /** Returns the function that unsubscribes. */
  subscribe<Name extends SiteEventName>(name: Name, listener: SiteEventListener<Name>): () => void
}

/** The single-process bus. A Redis relay would publish to a channel and call these listeners on each message. */
export class LocalSiteEvents implements SiteEvents {
  private readonly listeners = new Map<SiteEventName, Set<SiteEventListener<never>>>()

  async publish<Name extends SiteEventName>(name: Name, payload: SiteEventMap[Name]) {
    const listeners = [...(this.listeners.get(name) ?? [])] as Array<SiteEventListener<Name>>
    const results = await Promise.allSettled(listeners.map(async (listener) => listener(payload)))
    for (const result of results) {
      // The change itself is done and stored; a failing listener is an operator's problem, not the user's.
      if (result.status === 'rejected') logger.error({ err: result.reason, event: name }, 'site event listener failed')
    }
  }

  subscribe<Name extends SiteEventName>(name: Name, listener: SiteEventListener<Name>) {
    const listeners = this.listeners.get(name) ?? new Set()
    listeners.add(listener as SiteEventListener<never>)
    this.listeners.set(name, listeners)
    return () => void listeners.delete(listener as SiteEventListener<never>)
  }
}

/**
 * Several processes (REDIS_URL): an event runs this process's listeners (awaited, as above) and is
 * published to every other process, whose listeners run on arrival — a disabled user's sockets
 * close on every process, not only on the one that served the form.
 */
export class RedisSiteEvents implements SiteEvents {
  private readonly local = new LocalSiteEvents()
  private static readonly channel = 'site-events'

  private constructor(private readonly bus: RedisBus) {}

  static async start(bus: RedisBus) {
    const events = new RedisSiteEvents(bus)
    await bus.subscribe(RedisSiteEvents.channel, (message) => events.receive(message))
    return events
  }

  async publish<Name extends SiteEventName>(name: Name, payload: SiteEventMap[Name]) {
    const message = Buffer.from(JSON.stringify({ from: this.bus.processId, name, payload }))
    await Promise.all([
      this.local.publish(name, payload),
      this.bus.publish(RedisSiteEvents.channel, message).catch((error) => logger.error({ err: error, event: name }, 'publishing a site event to Redis failed')),
    ])
  }

  subscribe<Name extends SiteEventName>(name: Name, listener: SiteEventListener<Name>) {
    return this.local.subscribe(name, listener)
  }

  private receive(message: Buffer) {
    const { from, name, payload } = JSON.parse(message.toString()) as { from: string; name: SiteEventName; payload: never }
    if (from !== this.bus.processId) void this.local.publish(name, payload)
  }
}
