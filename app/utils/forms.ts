import { data } from '@remix-run/node'
import { z } from 'zod'

export type FieldErrors = Partial<Record<string, string>>
export type FormFailure = { ok: false; errors: FieldErrors; values: Record<string, string> }

/**
 * Validates a submitted form with a zod schema. On failure, every field gets its
 * first Dutch message — all wrong fields at once, in the schema's (= the form's)
 * order, for the error summary — and the values come back so the form can be
 * refilled (passwords never are).
 */
export function parseForm<Schema extends z.ZodTypeAny>(schema: Schema, formData: FormData): { ok: true; data: z.infer<Schema> } | FormFailure {
  const raw = Object.fromEntries([...formData.entries()].filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
  const parsed = schema.safeParse(raw)
  if (parsed.success) return { ok: true, data: parsed.data }
  const errors: FieldErrors = {}
  for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message
  return formFailure(errors, raw)
}

/** The id of a field's control, so the error summary can link to it (also without JavaScript). */
export function fieldId(name: string) {
  return `veld-${name}`
}

// Requests whose form came back with errors. A no-JavaScript POST renders action
// and loaders in one request with one load context, so the loader can tell meta to say "Fout:".
const failedRequests = new WeakSet<object>()

/** Marks this request's form as refused; `formFailed` in the page's loader then reports it. */
export function markFormFailed(context: object) {
  failedRequests.add(context)
}

export function formFailed(context: object) {
  return failedRequests.has(context)
}

/** The page title, prefixed "Fout: " when the form on it came back with errors (GOV.UK pattern). */
export function formPageTitle(title: string, failed: boolean | undefined) {
  return failed ? `Fout: ${title}` : title
}

export function formFailure(errors: FieldErrors, values: Record<string, string> = {}): FormFailure {
  const kept = Object.fromEntries(Object.entries(values).filter(([name]) => !/password|wachtwoord/i.test(name)))
  return { ok: false, errors, values: kept }
}

/**
 * A refused form goes back with 400 and its Dutch messages; nothing was changed.
 * Given the load context, the page's title says "Fout:" too (see formFailed).
 */
export function rejected<Failure extends FormFailure>(failure: Failure, context?: object) {
  if (context) markFormFailed(context)
  return data(failure, { status: 400 })
}

function emailOf(whose: 'uw' | 'het') {
  return z
    .string({ required_error: `Vul ${whose} e-mailadres in.` })
    .trim()
    .min(1, `Vul ${whose} e-mailadres in.`)
    .max(254, 'Dit e-mailadres is te lang.')
    .email('Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.')
}

/** The visitor's own address. */
export const emailField = emailOf('uw')
/** Someone else's address, e.g. of the person invited. */
export const otherPersonsEmailField = emailOf('het')

/**
 * An optional web address; "www.voorbeeld.nl" or "voorbeeld.nl/pagina" is
 * accepted and stored as https://…, as people type addresses that way.
 */
export const websiteField = z
  .string()
  .trim()
  .max(300, 'Gebruik hoogstens 300 tekens voor het webadres.')
  .transform((value) => (value === '' || /^https?:\/\//i.test(value) ? value : `https://${value}`))
  .refine((value) => value === '' || /^https?:\/\/[^\s/]+\.[^\s/]{2,}(\/\S*)?$/i.test(value), 'Vul een webadres in, zoals www.voorbeeld.nl, of laat het veld leeg.')
  .default('')

export const nameField = z
  .string({ required_error: 'Vul uw naam in.' })
  .trim()
  .min(1, 'Vul uw naam in.')
  .max(100, 'Gebruik hoogstens 100 tekens voor uw naam.')

const maxRedirectLength = 2000
const siteBase = 'http://site.invalid'
// Percent-encoded control characters, slashes and backslashes in the path: a proxy or browser that decodes them would see another host.
const encodedTrick = /%([01][\da-f]|2f|5c|7f)/i

/**
 * A path on this site to go to after login, or the fallback. Browsers forgive a lot in a
 * Location header (they drop tabs and newlines, read `\\` as `/`, and `//host` as another
 * site), so the target must be a plain path: no whitespace, control characters or
 * backslashes, none of them percent-encoded in the path, and still a path on this site
 * once the URL parser has normalised it. Never throws: every odd input gives the fallback.
 */
export function safeRedirect(target: FormDataEntryValue | string | null | undefined, fallback = '/') {
  if (typeof target !== 'string' || target.length > maxRedirectLength || !target.startsWith('/')) return fallback
  if (/[\s\p{C}\\]/u.test(target) || encodedTrick.test(target.split(/[?#]/)[0])) return fallback
  try {
    const url = new URL(target, siteBase)
    const path = url.pathname + url.search + url.hash
    if (url.origin !== siteBase || !path.startsWith('/') || path.startsWith('//')) return fallback
    return path
  } catch {
    return fallback
  }
}
