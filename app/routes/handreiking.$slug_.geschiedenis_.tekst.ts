import type { LoaderFunctionArgs } from '@remix-run/node'
import { can } from '#server/auth/permissions'
import { versionText } from '#server/handbook/version-text'

/** One version's whole text, for when two versions are too large to compare on the history page. */
export async function loader({ params, request, context }: LoaderFunctionArgs) {
  const version = new URL(request.url).searchParams.get('versie') ?? ''
  const canSeeDraft = can(context.authentication?.user ?? null, 'section:edit')
  const text = await versionText(context.db, context.collab, { slug: params.slug ?? '', version, canSeeDraft })
  if (text === null) throw new Response('Deze versie bestaat niet.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
  return new Response(text, {
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': canSeeDraft ? 'private, no-store' : 'public, max-age=300',
    },
  })
}
