// A local admin endpoint of the running server: a unix socket in DATA_DIR/admin/ (a folder only the
// server's own user can enter). `npm run user:create` asks the running server through it, so the
// account lands in the database the server has open (PGlite allows one process per data folder)
// and the link carries the server's own PUBLIC_URL/PORT.
import { chmodSync, mkdirSync, rmSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import path from 'node:path'
import { z } from 'zod'
import { createUserWithLink } from '#server/auth/accounts'
import type { Database } from '#server/db/client'
import { roles } from '#server/db/schema'
import { logger } from '#server/logger'

/** Linux allows at most 107 bytes in a unix socket path. */
const maxSocketPath = 107
const maxRequestBytes = 4096

export function adminSocketPath(dataDir: string) {
  return path.join(dataDir, 'admin', 'admin.sock')
}

export const userCreateRequest = z.object({ command: z.literal('user:create'), email: z.string().email(), role: z.enum(roles) })
type UserCreateRequest = z.infer<typeof userCreateRequest>
export type AdminResponse = { ok: true; link: string } | { ok: false; error: string }

/**
 * Listens on the admin socket. `exclusive`: this process holds the data folder (its lock), so a socket
 * file left by a crashed server is simply replaced; otherwise (several servers on one Postgres sharing
 * DATA_DIR) a socket another server answers on is left to it. Returns null when not listening.
 */
export async function startAdminSocket(options: { dataDir: string; db: Database; publicUrl: () => string; exclusive: boolean }): Promise<Server | null> {
  const file = adminSocketPath(options.dataDir)
  if (Buffer.byteLength(file) > maxSocketPath) {
    logger.warn({ file }, 'DATA_DIR is too long a path for the admin socket; npm run user:create works only with the server stopped')
    return null
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  chmodSync(path.dirname(file), 0o700)
  if (!options.exclusive && (await answers(file))) {
    logger.info({ file }, 'another server answers on the admin socket; leaving it to that one')
    return null
  }
  rmSync(file, { force: true })
  const server = createServer((socket) => handle(socket, options))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(file, () => resolve())
  })
  chmodSync(file, 0o600)
  return server
}

function answers(file: string) {
  return new Promise<boolean>((resolve) => {
    const probe = createConnection(file)
    probe.once('connect', () => {
      probe.destroy()
      resolve(true)
    })
    probe.once('error', () => resolve(false))
  })
}

function handle(socket: Socket, options: { db: Database; publicUrl: () => string }) {
  let received = ''
  socket.setEncoding('utf8')
  socket.setTimeout(10_000, () => socket.destroy())
  socket.on('error', () => {})
  const answer = (response: AdminResponse) => socket.end(JSON.stringify(response) + '\n')
  socket.on('data', (chunk: string) => {
    received += chunk
    if (received.length > maxRequestBytes) return answer({ ok: false, error: 'Verzoek te groot.' })
    const end = received.indexOf('\n')
    if (end === -1) return
    socket.removeAllListeners('data')
    let request: UserCreateRequest
    try {
      const parsed = userCreateRequest.safeParse(JSON.parse(received.slice(0, end)))
      if (!parsed.success) return answer({ ok: false, error: 'Onbekend of onvolledig verzoek.' })
      request = parsed.data
    } catch {
      return answer({ ok: false, error: 'Onleesbaar verzoek.' })
    }
    createUserWithLink(options.db, { email: request.email, role: request.role, publicUrl: options.publicUrl() })
      .then((link) => {
        logger.info({ role: request.role }, 'account made through the admin socket (npm run user:create)')
        answer({ ok: true, link })
      })
      .catch((error) => {
        logger.error({ err: error }, 'user:create through the admin socket failed')
        answer({ ok: false, error: 'De server kon het account niet maken; zie het serverlog.' })
      })
  })
}

/**
 * Asks a running server. Resolves to null when no server listens on the socket (none running,
 * or one without the socket), so the caller can fall back to opening the database itself.
 */
export function askRunningServer(dataDir: string, request: UserCreateRequest): Promise<AdminResponse | null> {
  const file = adminSocketPath(dataDir)
  return new Promise((resolve, reject) => {
    const socket = createConnection(file)
    let received = ''
    socket.setEncoding('utf8')
    socket.setTimeout(30_000, () => socket.destroy(new Error('De draaiende server antwoordt niet (30 s gewacht).')))
    socket.on('connect', () => socket.write(JSON.stringify(request) + '\n'))
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (['ENOENT', 'ECONNREFUSED'].includes(error.code ?? '')) resolve(null)
      else reject(error)
    })
    socket.on('end', () => {
      try {
        resolve(JSON.parse(received) as AdminResponse)
      } catch {
        reject(new Error('Onleesbaar antwoord van de draaiende server.'))
      }
    })
  })
}
