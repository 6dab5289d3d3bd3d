import { createHash } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import { eq, sql } from 'drizzle-orm'
import S3rver from 's3rver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { attachments, examples, pendingUploads } from '#server/db/schema'
import { createUser, sessionCookieFor } from './support/factories'
import { get } from './support/http'
import { freePort } from './support/site-process-control'
import { startTestServer, type TestServer } from './support/server'
import { pdfBytes, pngBytes, samePicture, submitExample } from './support/submissions'

// The S3 storage path (S3_*) against a real S3-protocol server the test starts itself (s3rver, on
// a free port in a temp folder): the same AWS SDK calls, signatures and multipart uploads as on
// MinIO or AWS. Uploads go through the site's own form, downloads through its own links.
const bucket = 'handreiking-bestanden'
let s3: { server: S3rver; port: number; directory: string }
let server: TestServer
let client: S3Client

/** Every request the S3 server got, as "METHOD /path?query". */
const s3Requests: string[] = []

async function startS3(port: number, directory: string) {
  const s3server = new S3rver({ port, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] })
  // s3rver is a Koa app: a first middleware sees every request.
  ;(s3server as unknown as { middleware: unknown[] }).middleware.unshift(async (context: { method: string; url: string }, next: () => Promise<void>) => {
    s3Requests.push(`${context.method} ${context.url}`)
    await next()
  })
  await s3server.run()
  return s3server
}

beforeAll(async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'lh-s3-'))
  const port = await freePort()
  s3 = { server: await startS3(port, directory), port, directory }
  const settings = { bucket, region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
  client = new S3Client({ region: settings.region, endpoint: settings.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
  server = await startTestServer({ s3: settings })
})
afterAll(async () => {
  await server?.close()
  await s3?.server.close().catch(() => {})
  client?.destroy()
  if (s3) await rm(s3.directory, { recursive: true, force: true })
})

const db = () => server.database.db


async function bucketKeys() {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }))
  return (page.Contents ?? []).map((object) => object.Key!)
}

async function approve(exampleId: number) {
  const editor = await sessionCookieFor(db(), (await createUser(db(), { role: 'editor' })).id)
  const body = new URLSearchParams({ decision: 'approve', items: `example:${exampleId}` })
  await fetch(server.url + '/beheer/moderatie', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, Cookie: editor }, body })
  return editor
}

async function localUploads() {
  const entries = await readdir(path.join(server.dataDir, 'uploads'), { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name)
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

describe('files on S3', () => {
  it('an example’s files go to the bucket and come back as streamed attachments with the detected type', async () => {
    const response = await submitExample(server, 'Vacaturebank Zwolle', [
      { name: 'Jaarverslag.pdf', bytes: pdfBytes },
      { name: 'foto.png', bytes: pngBytes, type: 'application/octet-stream' },
    ])
    expect(response.status).toBe(302)
    const [example] = await db().select().from(examples).where(eq(examples.name, 'Vacaturebank Zwolle'))
    const files = await db().select().from(attachments).where(eq(attachments.exampleId, example.id))
    expect(files).toHaveLength(2)
    // In the bucket, and nothing kept on this machine's disk.
    const keys = await bucketKeys()
    for (const file of files) expect(keys).toContain(file.storageKey)
    expect(await localUploads()).toEqual([])

    await approve(example.id)
    const pdf = files.find((file) => file.fileName.endsWith('.pdf'))!
    const download = await get(server.url, `/voorbeelden/${example.slug}/bestanden/${pdf.id}`)
    expect(download.status).toBe(200)
    expect(download.headers.get('content-type')).toBe('application/pdf')
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="Jaarverslag.pdf"/)
    expect(download.headers.get('x-content-type-options')).toBe('nosniff')
    expect(Buffer.from(await download.arrayBuffer()).equals(pdfBytes)).toBe(true)
    const png = files.find((file) => file.fileName.endsWith('.png'))!
    const picture = await get(server.url, `/voorbeelden/${example.slug}/bestanden/${png.id}`)
    expect(picture.headers.get('content-type')).toBe('image/png')
    expect(await samePicture(Buffer.from(await picture.arrayBuffer()), pngBytes)).toBe(true)
  })

  it('a 20 MB file goes up in parts and comes down whole', { timeout: 120_000 }, async () => {
    const big = Buffer.concat([pdfBytes, Buffer.alloc(20 * 1024 * 1024 - pdfBytes.length - 16, 0x20), Buffer.from('\n%%EOF\n')]).subarray(0, 20 * 1024 * 1024)
    s3Requests.length = 0
    expect((await submitExample(server, 'Groot Bestand Netwerk', [{ name: 'groot.pdf', bytes: big }])).status).toBe(302)
    // lib-storage's multipart upload: started, parts of 5 MB, completed.
    expect(s3Requests.filter((request) => /^POST .*\?uploads/.test(request))).toHaveLength(1)
    expect(s3Requests.filter((request) => /^PUT .*partNumber=/.test(request)).length).toBeGreaterThanOrEqual(4)
    const [example] = await db().select().from(examples).where(eq(examples.name, 'Groot Bestand Netwerk'))
    const [file] = await db().select().from(attachments).where(eq(attachments.exampleId, example.id))
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: file.storageKey }))
    expect(head.ContentLength).toBe(big.length)
    await approve(example.id)
    const download = await get(server.url, `/voorbeelden/${example.slug}/bestanden/${file.id}`)
    expect(download.headers.get('content-length')).toBe(String(big.length))
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(big))
  })

  it('a rejected example’s files leave the bucket when retention removes it', async () => {
    expect((await submitExample(server, 'Afgewezen Netwerk', [{ name: 'weg.pdf', bytes: pdfBytes }])).status).toBe(302)
    const [example] = await db().select().from(examples).where(eq(examples.name, 'Afgewezen Netwerk'))
    const [file] = await db().select().from(attachments).where(eq(attachments.exampleId, example.id))
    expect(await bucketKeys()).toContain(file.storageKey)
    const editor = await sessionCookieFor(db(), (await createUser(db(), { role: 'editor' })).id)
    const body = new URLSearchParams({ decision: 'reject', items: `example:${example.id}`, reason: 'Geen samenwerkingsverband.', bevestigd: 'ja' })
    await fetch(server.url + '/beheer/moderatie', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, Cookie: editor }, body })
    await db().update(examples).set({ updatedAt: sql`now() - interval '400 days'` }).where(eq(examples.id, example.id))
    await server.site.runRetention()
    expect(await db().select().from(examples).where(eq(examples.id, example.id))).toEqual([])
    expect(await bucketKeys()).not.toContain(file.storageKey)
    await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: file.storageKey }))).rejects.toThrow()
  })

  it('a bucket that does not exist: the same clear message, and the text is kept', async () => {
    const misconfigured = await startTestServer({ database: server.database, s3: { bucket: 'bestaat-niet', region: 'us-east-1', endpoint: `http://127.0.0.1:${s3.port}`, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
    try {
      const response = await submitExample(misconfigured, 'Netwerk Zonder Emmer', [{ name: 'verslag.pdf', bytes: pdfBytes }])
      expect(response.status).toBe(503)
      const page = (await response.text()).replaceAll('<!-- -->', '')
      expect(page).toContain('De bestanden konden nu niet worden opgeslagen')
      expect(page).toContain('Het begon met een kop koffie bij de vrijwilligerscentrale.')
      expect(await db().select().from(examples).where(eq(examples.name, 'Netwerk Zonder Emmer'))).toEqual([])
    } finally {
      await misconfigured.closeSite()
    }
  })

  it('with the S3 server gone, the visitor gets a clear message and keeps the text; nothing is half-saved', { timeout: 60_000 }, async () => {
    await s3.server.close()
    try {
      const response = await submitExample(server, 'Netwerk Zonder Opslag', [{ name: 'verslag.pdf', bytes: pdfBytes }])
      expect(response.status).toBe(503)
      const page = (await response.text()).replaceAll('<!-- -->', '')
      expect(page).toContain('De bestanden konden nu niet worden opgeslagen')
      // What the visitor wrote is still in the form.
      expect(page).toContain('Netwerk Zonder Opslag')
      expect(page).toContain('Het begon met een kop koffie bij de vrijwilligerscentrale.')
      expect(await db().select().from(examples).where(eq(examples.name, 'Netwerk Zonder Opslag'))).toEqual([])
      expect(await db().select().from(attachments).innerJoin(examples, eq(examples.id, attachments.exampleId)).where(eq(examples.name, 'Netwerk Zonder Opslag'))).toEqual([])
      // A file that could not be removed keeps its pending mark, so the sweep removes it once the bucket is back.
      for (const mark of await db().select().from(pendingUploads)) expect(mark.storageKey).toMatch(/^voorbeelden\/netwerk-zonder-(opslag|emmer)\//)
      expect(await localUploads()).toEqual([])
    } finally {
      s3.server = await startS3(s3.port, s3.directory)
    }
  })
})
