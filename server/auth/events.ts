import { EventEmitter } from 'node:events'

/**
 * Signals that a user's rights changed (role lowered, account disabled), so
 * long-lived connections such as live-editing sockets can re-check or close.
 */
export const accountEvents = new EventEmitter<{ 'access-changed': [userId: number] }>()
