import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { LastChangeDate } from '#app/components/last-change'
import { publicPageHeaders, site } from '#app/site'
import { getPageForReading } from '#server/handbook/sections'

export const meta: MetaFunction = () => [{ title: `Colofon — ${site.title}` }]

export const headers = () => publicPageHeaders

export async function loader({ context }: LoaderFunctionArgs) {
  const page = await getPageForReading(context.db, 'colofon')
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
        <LastChangeDate change={page.lastChange} />
      </p>
    </div>
  )
}
