import type { Logger } from 'pino'

/**
 * At most `perMinute` warning lines per kind and minute; the rest are counted
 * and reported in one line when the next minute's first warning of that kind
 * is logged (or on `flush`). A flood of bad frames cannot flood the log.
 */
export class LogLimiter {
  private readonly windows = new Map<string, { started: number; logged: number; suppressed: number }>()

  constructor(
    private readonly logger: Logger,
    private readonly perMinute = 20,
  ) {}

  warn(kind: string, fields: Record<string, unknown>, message: string) {
    const now = Date.now()
    let window = this.windows.get(kind)
    if (!window || now - window.started >= 60_000) {
      if (window && window.suppressed > 0) this.logger.warn({ kind, suppressed: window.suppressed }, `suppressed ${window.suppressed} more warnings of this kind in the last minute`)
      window = { started: now, logged: 0, suppressed: 0 }
      this.windows.set(kind, window)
    }
    if (window.logged < this.perMinute) {
      window.logged += 1
      this.logger.warn({ kind, ...fields }, message)
    } else {
      window.suppressed += 1
    }
  }

  suppressed(kind: string) {
    return this.windows.get(kind)?.suppressed ?? 0
  }
}
