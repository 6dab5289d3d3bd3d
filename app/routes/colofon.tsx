import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { formatDate, publicPageHeaders, site } from '#app/site'
import { getPage } from '#server/handbook/sections'

export const meta: MetaFunction = () => [{ title: `Colofon — ${site.title}` }]

export const headers = () => publicPageHeaders

export async function loader({ context }: LoaderFunctionArgs) {
  const page = await getPage(context.db, 'colofon')
  if (!page) throw new Response('Niet gevonden', { status: 404 })
  return page
}

export default function ColophonPage() {
  const page = useLoaderData<typeof loader>()
  return (
    <div className="page page--narrow">
      <h1>{page.title}</h1>
      <div className="prose" dangerouslySetInnerHTML={{ __html: page.html }} />
      <p className="muted">
        Laatst gewijzigd op <time dateTime={new Date(page.updatedAt).toISOString()}>{formatDate(page.updatedAt)}</time>
      </p>
    </div>
  )
}
