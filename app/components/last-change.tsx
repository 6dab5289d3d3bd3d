import { formatDate } from '#app/site'
import type { LastChange } from '#server/handbook/sections'

/** "Laatst gewijzigd": the date of the last published change, or the first edition's year for untouched imported text. */
export function LastChangeDate({ change }: { change: LastChange | { kind: 'published'; at: string } }) {
  if (change.kind === 'first-edition') {
    return (
      <>
        Laatst gewijzigd in <time dateTime={change.year}>{change.year}</time> (tekst van de eerste editie)
      </>
    )
  }
  return (
    <>
      Laatst gewijzigd op <time dateTime={new Date(change.at).toISOString()}>{formatDate(change.at)}</time>
    </>
  )
}
