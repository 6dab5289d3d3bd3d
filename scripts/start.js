// `npm start`: build when needed, then run the compiled server in production mode
// (migrations and the first import run inside the server at start).
import { spawn } from 'node:child_process'
import { buildIfNeeded } from './build-if-needed.js'
import { serverCommand } from './server-command.js'

await buildIfNeeded()
const server = spawn(process.execPath, serverCommand, {
  stdio: 'inherit',
  env: { NODE_ENV: 'production', ...process.env },
})
// Pass a stop on to the server, once per kind: a Ctrl-C or `kill -- -<pgid>` reaches the server
// directly as well, and the server runs one shutdown however many signals it gets. We stay alive
// until it has finished (writing live documents, closing the database).
const forwarded = new Set()
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (forwarded.has(signal)) return
    forwarded.add(signal)
    server.kill(signal)
  })
}
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
