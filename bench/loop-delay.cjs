// Preloaded (`node --require`) into every server bench:collab runs, ours and the peers alike: how long
// the event loop was late, sampled every 5 ms. On SIGUSR2 the figures since the last signal are written
// to BENCH_LOOP_DELAY_FILE and the histogram starts again, so the bench reads a join and a traffic
// phase apart. What a server's loop is late by, every message waiting in it is late by too.
const { writeFileSync } = require('node:fs')
const { monitorEventLoopDelay } = require('node:perf_hooks')

const histogram = monitorEventLoopDelay({ resolution: 5 })
histogram.enable()
process.on('SIGUSR2', () => {
  const figures = { p50: histogram.percentile(50) / 1e6, p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 }
  histogram.reset()
  writeFileSync(process.env.BENCH_LOOP_DELAY_FILE, JSON.stringify(figures))
})
