// npm run user:create -- --email naam@voorbeeld.nl --role admin
// Makes (or re-activates) an account and prints a one-time link to set its password.
// Run it with the same DATA_DIR (and DATABASE_URL) as the server. With the server running it asks
// that server over its admin socket (DATA_DIR/admin/admin.sock), so the account is in the database
// the server has open and the link carries the server's PUBLIC_URL/PORT. With the server stopped it
// opens the database itself.
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { askRunningServer } from '#server/admin-socket'
import { createUserWithLink } from '#server/auth/accounts'
import { readConfig } from '#server/config'
import { openDatabase } from '#server/db/client'
import { DataDirInUseError } from '#server/db/data-dir-lock'
import { roles } from '#server/db/schema'

const { values } = parseArgs({ options: { email: { type: 'string' }, role: { type: 'string', default: 'admin' } } })
const input = z.object({ email: z.string().email(), role: z.enum(roles) }).safeParse(values)
if (!input.success) {
  console.error('Gebruik: npm run user:create -- --email naam@voorbeeld.nl --role admin|editor|member')
  process.exit(2)
}

const config = readConfig()
const printLink = (link: string, where: string) =>
  console.log(`Account ${input.data.email} (${input.data.role}) is klaar (${where}).\nKies het wachtwoord via deze eenmalige link (7 dagen geldig):\n\n  ${link}\n`)

let answer: Awaited<ReturnType<typeof askRunningServer>>
try {
  answer = await askRunningServer(config.DATA_DIR, { command: 'user:create', ...input.data })
} catch (error) {
  console.error(`De draaiende server in ${config.DATA_DIR} is niet bereikbaar: ${(error as Error).message}\nDraai dit als dezelfde gebruiker als de server, of stop de server eerst.`)
  process.exit(1)
}
if (answer?.ok) {
  printLink(answer.link, 'gemaakt door de draaiende server')
  process.exit(0)
}
if (answer) {
  console.error(`De draaiende server weigerde: ${answer.error}`)
  process.exit(1)
}

// No server answers: open the database ourselves. The lock on DATA_DIR refuses if a server holds it after all.
let database: Awaited<ReturnType<typeof openDatabase>>
try {
  database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR })
} catch (error) {
  if (!(error instanceof DataDirInUseError)) throw error
  console.error(`${error.message}\nEr is geen account gemaakt: de server antwoordt niet op ${config.DATA_DIR}/admin/admin.sock.`)
  process.exit(1)
}
try {
  const publicUrl = config.publicUrl
  const link = await createUserWithLink(database.db, { ...input.data, publicUrl })
  printLink(link, 'de server draait niet; de link werkt zodra hij draait')
} finally {
  await database.close()
}
