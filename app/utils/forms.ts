import { data } from '@remix-run/node'
import { z } from 'zod'

export type FieldErrors = Partial<Record<string, string>>
export type FormFailure = { ok: false; errors: FieldErrors; values: Record<string, string> }

/**
 * Validates a submitted form with a zod schema. On failure, every field gets its
 * first Dutch message, and the values come back so the form can be refilled
 * (passwords never are).
 */
export function parseForm<Schema extends z.ZodTypeAny>(schema: Schema, formData: FormData): { ok: true; data: z.infer<Schema> } | FormFailure {
  const raw = Object.fromEntries([...formData.entries()].filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
  const parsed = schema.safeParse(raw)
  if (parsed.success) return { ok: true, data: parsed.data }
  return formFailure(
    Object.fromEntries(parsed.error.issues.reverse().map((issue) => [String(issue.path[0] ?? 'form'), issue.message])),
    raw,
  )
}

export function formFailure(errors: FieldErrors, values: Record<string, string> = {}): FormFailure {
  const kept = Object.fromEntries(Object.entries(values).filter(([name]) => !/password|wachtwoord/i.test(name)))
  return { ok: false, errors, values: kept }
}

/** A refused form goes back with 400 and its Dutch messages; nothing was changed. */
export function rejected<Failure extends FormFailure>(failure: Failure) {
  return data(failure, { status: 400 })
}

export const emailField = z
  .string({ required_error: 'Vul uw e-mailadres in.' })
  .trim()
  .min(1, 'Vul uw e-mailadres in.')
  .max(254, 'Dit e-mailadres is te lang.')
  .email('Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.')

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
