// npm run user:create -- --email naam@voorbeeld.nl --role admin
// Makes (or re-activates) an account and prints a one-time link to set its password.
// Run it with the same DATABASE_URL / DATA_DIR as the server (stop an embedded-mode server first:
// PGlite allows one process at a time).
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { createUserWithLink } from '#server/auth/accounts'
import { readConfig } from '#server/config'
import { openDatabase } from '#server/db/client'
import { roles } from '#server/db/schema'

const { values } = parseArgs({ options: { email: { type: 'string' }, role: { type: 'string', default: 'admin' } } })
const input = z.object({ email: z.string().email(), role: z.enum(roles) }).safeParse(values)
if (!input.success) {
  console.error('Gebruik: npm run user:create -- --email naam@voorbeeld.nl --role admin|editor|member')
  process.exit(2)
}

const config = readConfig()
const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR })
try {
  const link = await createUserWithLink(database.db, { ...input.data, publicUrl: config.publicUrl })
  console.log(`Account ${input.data.email} (${input.data.role}) is klaar.\nKies het wachtwoord via deze eenmalige link (7 dagen geldig):\n\n  ${link}\n`)
} finally {
  await database.close()
}
