import { logger } from '#server/logger'

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
