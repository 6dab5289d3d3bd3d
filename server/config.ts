import path from 'node:path'
import { z } from 'zod'

// Parsed once at boot: a wrong setting stops the server with a clear message
// instead of failing later on a request.
const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL moet met postgres:// beginnen')
    .optional(),
  DATA_DIR: z.string().default('./data'),
  CONTENT_DIR: z.string().default('./content'),
  // An empty PUBLIC_URL= counts as not set.
  PUBLIC_URL: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .url()
      .regex(/^https?:\/\//, 'PUBLIC_URL moet met http:// of https:// beginnen, bijvoorbeeld https://lokaalsamenwerken.nl')
      .optional(),
  ),
  TRUST_PROXY: z.string().default('loopback'),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().optional(),
  S3_BUCKET: z.string().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_ENDPOINT: z.string().url().optional(),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  // tcp://127.0.0.1:3310 or unix:///run/clamav/clamd.ctl: every upload is virus-scanned by clamd.
  CLAMD_URL: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .regex(/^(tcp:\/\/[^/]+:\d+|unix:\/\/\/.+)$/, 'CLAMD_URL moet tcp://host:poort of unix:///pad/naar/clamd.ctl zijn, bijvoorbeeld tcp://127.0.0.1:3310')
      .optional(),
  ),
  // redis://host:6379: several processes share live documents and site events through this Redis.
  REDIS_URL: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.string().regex(/^rediss?:\/\//, 'REDIS_URL moet met redis:// of rediss:// beginnen, bijvoorbeeld redis://127.0.0.1:6379').optional(),
  ),
  // Start of every Redis key and channel: sites that share one Redis need different prefixes.
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'REDIS_PREFIX mag alleen letters, cijfers, punt, streepje en liggend streepje bevatten').default('levende-handreiking'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

export type Config = z.infer<typeof environmentSchema> & {
  contentDir: string
  /** PUBLIC_URL without a trailing slash, or http://localhost:<PORT> when it is not set. */
  publicUrl: string
  publicUrlIsDefault: boolean
  s3?: { bucket: string; region: string; endpoint?: string; accessKeyId: string; secretAccessKey: string }
  /** Set when REDIS_URL is: several-process mode. */
  redis?: { url: string; prefix: string }
}

export function readConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(environment)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new Error(`Invalid configuration:\n${problems.join('\n')}`)
  }
  return {
    ...parsed.data,
    DATA_DIR: path.resolve(parsed.data.DATA_DIR),
    contentDir: path.resolve(parsed.data.CONTENT_DIR),
    publicUrl: parsed.data.PUBLIC_URL?.replace(/\/+$/, '') ?? `http://localhost:${parsed.data.PORT}`,
    publicUrlIsDefault: !parsed.data.PUBLIC_URL,
    s3: s3Settings(parsed.data),
    redis: parsed.data.REDIS_URL ? { url: parsed.data.REDIS_URL, prefix: parsed.data.REDIS_PREFIX } : undefined,
  }
}

function s3Settings(environment: z.infer<typeof environmentSchema>): Config['s3'] {
  if (!environment.S3_BUCKET) return undefined
  if (!environment.S3_ACCESS_KEY_ID || !environment.S3_SECRET_ACCESS_KEY) {
    throw new Error('Invalid configuration:\nS3_BUCKET needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY')
  }
  return {
    bucket: environment.S3_BUCKET,
    region: environment.S3_REGION,
    endpoint: environment.S3_ENDPOINT,
    accessKeyId: environment.S3_ACCESS_KEY_ID,
    secretAccessKey: environment.S3_SECRET_ACCESS_KEY,
  }
}

/**
 * The origins a form post or a live-editing socket may come from: PUBLIC_URL's, never the
 * request's Host (which anyone can forge). Without PUBLIC_URL the site answers on this
 * machine only, so the other loopback spellings of http://localhost:<PORT> count too.
 */
export function siteOrigins(publicUrl: string, publicUrlIsDefault = false): ReadonlySet<string> {
  const url = new URL(publicUrl)
  if (!publicUrlIsDefault || url.hostname !== 'localhost') return new Set([url.origin])
  const port = url.port ? `:${url.port}` : ''
  return new Set([url.origin, `${url.protocol}//127.0.0.1${port}`, `${url.protocol}//[::1]${port}`])
}
