/** Keys at most per call: one statement's parameters stay far below Postgres's limit. */
const batchAtMost = 500

/**
 * Gathers what is asked while the previous call is under way (and in the next turn of the
 * event loop) into one call of `run`: when hundreds of documents open at once (a meeting
 * starting, a reconnect storm after a deploy), one query serves many of them instead of one
 * query each; alone, a request waits for nothing but the next two turns. A key asked twice at once gets
 * one answer for both (sockets of one document reading it beside their session checks share one
 * document; collab-server.ts makes one room of it at most).
 */
export function batched<Input, Output>(run: (inputs: Map<string, Input>) => Promise<Map<string, Output>>) {
  type Waiter = { input: Input; resolve: (output: Output) => void; reject: (error: unknown) => void }
  const waiting = new Map<string, Waiter[]>()
  let busy = false
  const next = async () => {
    const keys = [...waiting.keys()].slice(0, batchAtMost)
    if (keys.length === 0) return void (busy = false)
    busy = true
    const batch = new Map(keys.map((key) => [key, waiting.get(key)!]))
    for (const key of keys) waiting.delete(key)
    try {
      const outputs = await run(new Map(keys.map((key) => [key, batch.get(key)![0].input])))
      for (const [key, waiters] of batch) for (const waiter of waiters) outputs.has(key) ? waiter.resolve(outputs.get(key)!) : waiter.reject(new Error(`no answer for ${key}`))
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error)
    }
    void next()
  }
  return (key: string, input: Input) =>
    new Promise<Output>((resolve, reject) => {
      const waiters = waiting.get(key)
      if (waiters) waiters.push({ input, resolve, reject })
      else waiting.set(key, [{ input, resolve, reject }])
      if (busy) return
      busy = true
      // Two turns, not one: the first asker runs while the poll phase reads its request, and the requests
      // that arrived meanwhile (the rest of a meeting) are read in the next poll phase. Traced, 1 × 10:
      // one session query for the ten instead of one for the first and one for the nine.
      setImmediate(() => setImmediate(() => void next()))
    })
}
