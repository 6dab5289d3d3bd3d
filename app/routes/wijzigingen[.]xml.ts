import type { LoaderFunctionArgs } from '@remix-run/node'
import { changesFeed } from '#server/follow/feed'

// The same for every reader: the page cache keeps it until the next publish or edition.
export async function loader({ context }: LoaderFunctionArgs) {
  return new Response(await changesFeed(context.db, context.publicUrl), {
    headers: { 'Content-Type': 'application/atom+xml; charset=utf-8', 'Cache-Control': 'public, max-age=300, stale-while-revalidate=600' },
  })
}
