/** Keys at most per call: one statement's parameters stay far below Postgres's limit. */
const batchAtMost = 500
/** Calls under way at most: a wave arriving while one runs starts its own instead of waiting behind it, and a slow database gets a few calls, not one per ask. */
const callsAtMost = 4

/**
 * Gathers what is asked within the same two turns of the event loop into one call of `run`: when
 * hundreds of documents open at once (a meeting starting, a reconnect storm after a deploy), one query
 * serves many of them instead of one query each; alone, a request waits for nothing but the next two
 * turns. Up to `callsAtMost` calls run at once (members arrive over a few milliseconds, and a query
 * then takes as long: traced, a wave waiting for the one before it doubled the last socket's wait);
 * beyond that, what is asked waits for the next free call. A key asked twice at once gets one answer
 * for both (sockets of one document reading it beside their session checks share one document;
 * collab-server.ts makes one room of it at most).
 */
export function batched<Input, Output>(run: (inputs: Map<string, Input>) => Promise<Map<string, Output>>) {
  type Waiter = { input: Input; resolve: (output: Output) => void; reject: (error: unknown) => void }
  const waiting = new Map<string, Waiter[]>()
  let running = 0
  let gathering = false
  const call = async () => {
    const keys = [...waiting.keys()].slice(0, batchAtMost)
    const batch = new Map(keys.map((key) => [key, waiting.get(key)!]))
    for (const key of keys) waiting.delete(key)
    running += 1
    let answered: Promise<Map<string, Output>>
    try {
      answered = run(new Map(keys.map((key) => [key, batch.get(key)![0].input])))
    } catch (error) {
      answered = Promise.reject(error)
    }
    // More than one call's worth gathered: the rest goes out beside it.
    if (waiting.size > 0 && !gathering && running < callsAtMost) void call()
    try {
      const outputs = await answered
      for (const [key, waiters] of batch) for (const waiter of waiters) outputs.has(key) ? waiter.resolve(outputs.get(key)!) : waiter.reject(new Error(`no answer for ${key}`))
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error)
    }
    running -= 1
    // What waited for a free call has waited its turns already.
    if (waiting.size > 0 && !gathering) void call()
  }
  const gather = () => {
    gathering = true
    // Two turns, not one: the first asker runs while the poll phase reads its request, and the requests
    // that arrived meanwhile (the rest of a meeting) are read in the next poll phase. Traced, 1 × 10:
    // one session query for the ten instead of one for the first and one for the nine.
    setImmediate(() =>
      setImmediate(() => {
        gathering = false
        if (running < callsAtMost) void call()
      }),
    )
  }
  return (key: string, input: Input) =>
    new Promise<Output>((resolve, reject) => {
      const waiters = waiting.get(key)
      if (waiters) waiters.push({ input, resolve, reject })
      else waiting.set(key, [{ input, resolve, reject }])
      if (!gathering && running < callsAtMost) gather()
    })
}
