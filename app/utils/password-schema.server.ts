import { z } from 'zod'
import { passwordProblem } from '#server/auth/passwords'

/** A new password and its repetition; the rules themselves live in server/auth/passwords. */
export function newPasswordSchema<Shape extends z.ZodRawShape>(shape: Shape, context: (data: z.infer<z.ZodObject<Shape>>) => { email?: string; name?: string } = () => ({})) {
  return z
    .object({ ...shape, password: z.string().default(''), passwordRepeat: z.string().default('') })
    .superRefine((data, issues) => {
      const problem = passwordProblem(String(data.password), context(data as z.infer<z.ZodObject<Shape>>))
      // Every problem at once: a mismatch is worth knowing while the length is still being fixed.
      if (problem) issues.addIssue({ code: 'custom', path: ['password'], message: problem })
      if (data.password !== data.passwordRepeat) issues.addIssue({ code: 'custom', path: ['passwordRepeat'], message: 'De twee wachtwoorden zijn niet gelijk.' })
    })
}
