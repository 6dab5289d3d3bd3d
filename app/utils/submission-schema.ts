import { z } from 'zod'

/** Anti-spam fields of every public form: a honeypot bots fill in, and when the form was shown. */
export const honeypotField = 'website_adres'
export const startedField = 'formulier_gestart'

/** The submitter fields shared by every public form. */
export const submitterShape = {
  naam: z.string().trim().max(100, 'Gebruik hoogstens 100 tekens.').default(''),
  organisatie: z.string().trim().max(150, 'Gebruik hoogstens 150 tekens.').default(''),
  toon_naam: z.string().optional(),
  email: z
    .string()
    .trim()
    .max(254)
    .refine((value) => value === '' || z.string().email().safeParse(value).success, 'Vul een geldig e-mailadres in, of laat het veld leeg.')
    .default(''),
  toestemming: z.literal('ja', { errorMap: () => ({ message: 'Geef toestemming voor publicatie, anders kunnen we uw bijdrage niet plaatsen.' }) }),
}

export function longText(label: string, min: number, max: number) {
  return z
    .string({ required_error: `Vul ${label} in.` })
    .trim()
    .min(min, `Vul ${label} in (minstens ${min} tekens).`)
    .max(max, `Gebruik hoogstens ${max} tekens voor ${label}.`)
}
