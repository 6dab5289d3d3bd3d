import { redirect, type AppLoadContext } from '@remix-run/node'
import { safeRedirect } from '#app/utils/forms'
import { can, type Action } from './permissions'

/** The signed-in user, or a redirect to the login page that comes back here afterwards. */
export function requireUser(context: AppLoadContext, request: Request) {
  const user = context.authentication?.user
  if (user) return user
  const url = new URL(request.url)
  // Only a path that safeRedirect keeps is worth carrying through the login form.
  throw redirect(`/inloggen?redirectTo=${encodeURIComponent(safeRedirect(url.pathname + url.search))}`)
}

/** The user when `can` allows the action; otherwise login for visitors, a Dutch 403 for others. */
export function requirePermission(context: AppLoadContext, request: Request, action: Action, resource?: Parameters<typeof can>[2]) {
  const user = requireUser(context, request)
  if (!can(user, action, resource)) throw new Response('Geen toegang', { status: 403 })
  return user
}
