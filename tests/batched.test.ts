// batched() is what lets a meeting's joins share queries (sessions, documents, published texts): the
// rules that decide how many queries a join wave costs and how long a socket waits.
import { describe, expect, it } from 'vitest'
import { batched } from '#server/collab/batched'

/** A `run` whose calls stay open until the test answers them. */
function controlledRun() {
  const calls: Array<{ keys: string[]; answer: () => void; fail: (error: Error) => void }> = []
  const run = (inputs: Map<string, number>) =>
    new Promise<Map<string, number>>((resolve, reject) => {
      calls.push({ keys: [...inputs.keys()], answer: () => resolve(new Map([...inputs].map(([key, input]) => [key, input * 10]))), fail: reject })
    })
  return { calls, ask: batched(run) }
}

const turns = async (count = 3) => {
  for (let index = 0; index < count; index++) await new Promise((resolve) => setImmediate(resolve))
}

describe('batched', () => {
  it('asks made together go out as one call, a key asked twice once, each asker getting its answer', async () => {
    const { calls, ask } = controlledRun()
    const answers = Promise.all([ask('a', 1), ask('b', 2), ask('a', 1)])
    // The rest of a meeting is read in the next poll phase: asks one turn later still join.
    await new Promise((resolve) => setImmediate(resolve))
    const late = ask('c', 3)
    await turns()
    expect(calls.map((call) => call.keys)).toEqual([['a', 'b', 'c']])
    calls[0].answer()
    expect(await answers).toEqual([10, 20, 10])
    expect(await late).toBe(30)
  })

  it('a wave arriving while a call runs waits for it, then goes out as one call', async () => {
    const { calls, ask } = controlledRun()
    const first = ask('first', 1)
    await turns()
    const wave = [ask('a', 2), ask('b', 3)]
    await turns()
    await new Promise((resolve) => setTimeout(resolve, 5))
    // One query at a time: the wave waits rather than taking more of the pool's connections.
    expect(calls.map((call) => call.keys)).toEqual([['first']])
    calls[0].answer()
    expect(await first).toBe(10)
    await turns()
    expect(calls.map((call) => call.keys)).toEqual([['first'], ['a', 'b']])
    calls[1].answer()
    expect(await Promise.all(wave)).toEqual([20, 30])
  })

  it('a failing call fails its own askers only; the next ask is answered', async () => {
    const { calls, ask } = controlledRun()
    const failing = Promise.allSettled([ask('x', 1), ask('y', 2)])
    await turns()
    calls[0].fail(new Error('database gone'))
    expect((await failing).map((result) => result.status)).toEqual(['rejected', 'rejected'])
    const next = ask('x', 1)
    await turns()
    calls[1].answer()
    expect(await next).toBe(10)
  })

  it('more than one statement’s worth of keys goes out in calls of at most 500 keys, one after another', async () => {
    const { calls, ask } = controlledRun()
    const answers = Promise.all(Array.from({ length: 1200 }, (_, index) => ask(`key-${index}`, index)))
    for (let call = 0; call < 3; call++) {
      await turns()
      expect(calls.map((each) => each.keys.length)).toEqual([500, 500, 200].slice(0, call + 1))
      calls[call].answer()
    }
    expect((await answers).at(-1)).toBe(11_990)
  })
})
