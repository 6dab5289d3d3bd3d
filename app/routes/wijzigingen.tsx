import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { ChangeReport } from '#app/components/edition-changes'
import { formatDate, publicPageHeaders, site } from '#app/site'
import { creditLine } from '#server/handbook/edition-changes'

export const meta: MetaFunction = () => [{ title: `Nog niet in een editie: wat is er veranderd — ${site.title}` }]

export const headers = () => publicPageHeaders

export async function loader({ context }: LoaderFunctionArgs) {
  const report = await context.liveChanges.report()
  return { ...report, credits: creditLine(report.credits) }
}

export default function LiveChangesPage() {
  const report = useLoaderData<typeof loader>()
  return (
    <div className="page page--narrow">
      <h1>Nog niet in een editie</h1>
      {report.since ? (
        <>
          <p>
            Wat er in de tekst op de website is veranderd sinds <Link to={`/edities/${report.since.number}/wijzigingen`}>editie {report.since.number}</Link>,
            vastgelegd op {formatDate(report.since.createdAt)}: per paragraaf de tekst die <strong>erbij kwam</strong> (onderstreept) en die{' '}
            <strong>verdween</strong> (doorgestreept). Dit komt in de volgende editie. <Link to="/edities">Alle edities</Link>
          </p>
          <ChangeReport sections={report.sections} accepted={report.accepted} credits={report.credits} creditsLabel={`Aan de tekst sinds editie ${report.since.number} werkten mee`} />
        </>
      ) : (
        <>
          <p>
            Er is nog geen editie vastgelegd: de hele tekst op de website is nog niet in een editie. <Link to="/edities">Over edities</Link>
          </p>
          <ChangeReport sections={null} accepted={report.accepted} credits={report.credits} creditsLabel="Aan deze tekst werkten mee" />
        </>
      )}
    </div>
  )
}
