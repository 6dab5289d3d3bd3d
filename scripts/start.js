// `npm start`: build when needed, then run the server in production mode
// (migrations and the first import run inside the server at start).
import { spawn } from 'node:child_process'
import { buildIfNeeded } from './build-if-needed.js'

buildIfNeeded()
const server = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
  stdio: 'inherit',
  env: { NODE_ENV: 'production', ...process.env },
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal))
server.on('exit', (code) => process.exit(code ?? 0))
