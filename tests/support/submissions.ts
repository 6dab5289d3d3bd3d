import { formStartedToken } from '#server/contributions/form-guard'
import type { Database } from '#server/db/client'

/** A form-started token from a few seconds ago, as a person filling in the form would have. */
export function startedAWhileAgo(db: Database) {
  return formStartedToken(db, Date.now() - 10_000)
}

export const consentingVisitor = { toestemming: 'ja', naam: 'Vera Vrijwilliger', organisatie: 'UVV Ergens', toon_naam: 'ja' }

export type UploadFile = { name: string; bytes: Buffer; type?: string }

/** The summary and story every submitted example carries, for tests that look for them on a page. */
export const exampleTexts = {
  samenvatting: 'Twaalf organisaties in Zwolle delen één loket voor vrijwillige hulp.',
  verhaal: 'Het begon met een kop koffie bij de vrijwilligerscentrale.\n\nNu staat er één loket in de bibliotheek, vijf dagen per week open.',
}

let visitor = 0

/**
 * A visitor's example posted to /voorbeelden/nieuw as the form sends it (multipart, files as
 * `bestanden`), each time from another client address so that no rate limit is reached.
 */
export async function submitExample(server: { url: string; database: { db: Database } }, name: string, files: UploadFile[], headers: Record<string, string> = {}) {
  const form = new FormData()
  const fields: Record<string, string> = {
    ...consentingVisitor,
    formulier_gestart: await startedAWhileAgo(server.database.db),
    netwerk: name,
    plaats: 'Zwolle',
    regio: 'Overijssel',
    ...exampleTexts,
    website: 'https://www.voorbeeld.nl',
    contact: 'info@voorbeeld.nl',
    email: 'inzender@voorbeeld.nl',
  }
  for (const [key, value] of Object.entries(fields)) form.append(key, value)
  form.append('themas', 'centraal-contactpunt')
  for (const file of files) form.append('bestanden', new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/pdf' }), file.name)
  visitor += 1
  const address = `10.${(visitor >> 8) & 255}.${visitor & 255}.1`
  return fetch(server.url + '/voorbeelden/nieuw', { method: 'POST', body: form, redirect: 'manual', headers: { Origin: server.url, 'X-Forwarded-For': address, ...headers } })
}

/** A tiny valid PNG (1×1 pixel). */
export const pngBytes = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

/**
 * Whether two images show the same pixels: uploaded JPEG and PNG files are re-encoded without
 * their metadata, so the stored bytes differ from the sent ones but the picture does not.
 */
export async function samePicture(actual: Buffer, expected: Buffer) {
  const { default: sharp } = await import('sharp')
  const [a, b] = await Promise.all([actual, expected].map((bytes) => sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true })))
  return a.info.format === b.info.format && a.info.width === b.info.width && a.info.height === b.info.height && a.data.equals(b.data)
}

export const pdfBytes = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')

/** A real zip archive holding one text file: not an Office document. */
export function plainZip() {
  const name = Buffer.from('hallo.txt')
  const data = Buffer.from('hallo wereld')
  const header = Buffer.alloc(30)
  header.writeUInt32LE(0x04034b50, 0)
  header.writeUInt16LE(20, 4)
  header.writeUInt32LE(data.length, 18)
  header.writeUInt32LE(data.length, 22)
  header.writeUInt16LE(name.length, 26)
  const central = Buffer.alloc(46)
  central.writeUInt32LE(0x02014b50, 0)
  central.writeUInt16LE(20, 4)
  central.writeUInt16LE(20, 6)
  central.writeUInt32LE(data.length, 20)
  central.writeUInt32LE(data.length, 24)
  central.writeUInt16LE(name.length, 28)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(1, 8)
  end.writeUInt16LE(1, 10)
  end.writeUInt32LE(46 + name.length, 12)
  end.writeUInt32LE(30 + name.length + data.length, 16)
  return Buffer.concat([header, name, data, central, name, end])
}
