import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { ErrorSummary } from '#app/components/error-summary'
import { Field, FieldFrame } from '#app/components/form-field'
import { SubmitButton } from '#app/components/submit-button'
import { Checkbox, ConsentField, FileField, SpamGuardFields, TextArea } from '#app/components/submission-fields'
import { site } from '#app/site'
import { formFailed, formFailure, formPageTitle, markFormFailed, parseForm, rejected, websiteField } from '#app/utils/forms'
import { longText, submitterShape } from '#app/utils/submission-schema'
import { can } from '#server/auth/permissions'
import { checkFormToken, decideSubmission, formStartedToken, refusalMessage, tokenForRetry, type TokenCheck } from '#server/contributions/form-guard'
import { themesFrom } from '#server/examples/themes'
import { submitExample } from '#server/examples/submissions'
import type { CheckedFile } from '#server/files/file-safety'
import { isStorageUnavailable } from '#server/files/storage'
import { readUploadForm, type UploadForm } from '#server/files/upload-form'
import { allowedUploadTypes, discardUploads, uploadLimits } from '#server/files/uploads'
import { getTableOfContents } from '#server/handbook/sections'
import { logger } from '#server/logger'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: formPageTitle(`Een goed voorbeeld delen — ${site.title}`, data?.failed) }]

const provinces = ['Drenthe', 'Flevoland', 'Friesland', 'Gelderland', 'Groningen', 'Limburg', 'Noord-Brabant', 'Noord-Holland', 'Overijssel', 'Utrecht', 'Zeeland', 'Zuid-Holland', 'Landelijk']

export async function loader({ context }: LoaderFunctionArgs) {
  return {
    themes: themesFrom(await getTableOfContents(context.db)),
    provinces,
    started: await formStartedToken(context.db),
    isMember: Boolean(context.authentication),
    uploadRules: { ...uploadLimits, extensions: [...Object.keys(allowedUploadTypes), 'jpeg'] },
    failed: formFailed(context),
  }
}

// In the order of the form, so the error summary lists the fields as the visitor meets them.
const exampleSchema = z.object({
  netwerk: longText('de naam van het netwerk of de organisatie', 2, 150),
  plaats: z.string().trim().max(100, 'Gebruik hoogstens 100 tekens.').default(''),
  regio: z.enum(provinces as [string, ...string[]], { errorMap: () => ({ message: 'Kies een provincie of "Landelijk".' }) }),
  samenvatting: longText('een korte samenvatting', 20, 500),
  verhaal: longText('het verhaal', 50, 20_000),
  website: websiteField,
  contact: z.string().trim().max(300, 'Gebruik hoogstens 300 tekens.').default(''),
  ...submitterShape,
})

const outcomeFor = (example: { slug: string; status: string }) => (example.status === 'published' ? `/voorbeelden/${example.slug}` : '/voorbeelden/nieuw?verstuurd=1')

export async function action({ request, context }: ActionFunctionArgs) {
  let tokenCheck: TokenCheck | undefined
  // Decided on the anti-spam fields before any file byte is written; refused files are never stored.
  const beforeFiles = async (fields: FormData) => {
    tokenCheck = await checkFormToken(context.db, fields, context.clientKey)
    return tokenCheck.kind === 'fresh'
  }
  let upload: UploadForm
  try {
    upload = await readUploadForm(request, { temporaryDir: context.uploadTempDir, fileField: 'bestanden', beforeFiles })
  } catch {
    return rejected({ ...formFailure({ form: 'Het formulier kon niet worden gelezen. Probeer het opnieuw.' }), themes: [], started: await formStartedToken(context.db) }, context)
  }
  const { fields, files, problems } = upload
  let checked: CheckedFile[] = []
  try {
    if (upload.tooMuchText) {
      const message = 'Het formulier bevat meer tekst dan wij aannemen (samen hoogstens 256 kB). Maak de teksten korter en verstuur het opnieuw. Er is niets opgeslagen.'
      return data({ ...formFailure({ form: message }), themes: [], started: await formStartedToken(context.db) }, { status: 413 })
    }
    const verdict = decideSubmission(tokenCheck ?? (await checkFormToken(context.db, fields, context.clientKey)), fields, context.clientKey)
    if (verdict.kind === 'bot') throw redirect('/voorbeelden/nieuw?verstuurd=1')
    if (verdict.kind === 'repeat') throw redirect(verdict.outcome)

    // Every error at once: the fields, the files and the form as a whole.
    const form = parseForm(exampleSchema, fields)
    // Only a submission that will be stored is scanned: an infected file is refused by its field,
    // a file clamd could not look at (scanner down) waits in quarantine; photos lose their metadata.
    if (form.ok && problems.length === 0 && verdict.kind !== 'refused' && files.length > 0) {
      const result = await context.fileSafety.checkUploads(files.splice(0), { clientKey: context.clientKey, userId: context.authentication?.user.id })
      checked = result.files
      problems.push(...result.problems)
    }
    if (!form.ok || problems.length > 0 || verdict.kind === 'refused') {
      const fileError =
        problems.length > 0
          ? `${problems.map((problem) => problem.message).join(' ')} Er is niets opgeslagen; kies de bestanden opnieuw.`
          : upload.filesSent > 0
            ? 'Kies de bestanden opnieuw: ze zijn niet bewaard omdat het formulier nog niet verstuurd kon worden.'
            : undefined
      const submitted = Object.fromEntries([...fields].map(([key, value]) => [key, String(value)]))
      const errors = { ...(form.ok ? {} : form.errors), bestanden: fileError }
      return rejected({ ...formFailure({ form: refusalMessage(verdict, !form.ok || problems.length > 0), ...errors }, submitted), themes: fields.getAll('themas').map(String), started: await tokenForRetry(context.db, fields) }, context)
    }
    const validThemes = themesFrom(await getTableOfContents(context.db)).map((theme) => theme.key)
    const user = context.authentication?.user
    const submission = await submitExample(
      context.db,
      context.storage,
      {
        name: form.data.netwerk,
        place: form.data.plaats,
        region: form.data.regio,
        themes: fields.getAll('themas').map(String).filter((theme) => validThemes.includes(theme)),
        summary: form.data.samenvatting,
        story: form.data.verhaal,
        website: form.data.website,
        contact: form.data.contact,
        submitterEmail: form.data.email,
        submitterName: form.data.naam,
        showName: form.data.toon_naam === 'ja',
        clientKey: context.clientKey,
        userId: user?.id,
        publishDirectly: can(user ?? null, 'example:publish-directly'),
      },
      checked,
      verdict.claim,
      outcomeFor,
      context.publicUrl,
    ).catch((error: unknown) => {
      if (!isStorageUnavailable(error)) throw error
      logger.error({ err: error }, 'storing uploaded files failed')
      return null
    })
    if (!submission) {
      // The bucket did not take the files: nothing is saved, and what the visitor typed comes back.
      const submitted = Object.fromEntries([...fields].map(([key, value]) => [key, String(value)]))
      const message = 'De bestanden konden nu niet worden opgeslagen (de opslag antwoordt niet). Er is niets opgeslagen; uw tekst staat hieronder nog. Probeer het over een paar minuten opnieuw en kies de bestanden dan opnieuw.'
      markFormFailed(context)
      return data({ ...formFailure({ form: message, bestanden: 'Kies de bestanden opnieuw: ze konden niet worden opgeslagen.' }, submitted), themes: fields.getAll('themas').map(String), started: await tokenForRetry(context.db, fields) }, { status: 503 })
    }
    const { outcome, attachmentIds } = submission
    // Previews only from files scanned clean; a file still in quarantine gets its own after the rescan.
    await context.fileSafety.makePreviews(attachmentIds)
    throw redirect(outcome)
  } finally {
    await discardUploads([...files, ...checked])
  }
}

export default function NewExamplePage() {
  const { themes, provinces, started: shownToken, isMember, uploadRules } = useLoaderData<typeof loader>()
  const failure = useActionData<typeof action>()
  const started = failure?.started ?? shownToken
  const [searchParams] = useSearchParams()
  const errors = failure?.errors ?? {}
  const values = failure?.values ?? {}
  const chosenThemes: string[] = failure && 'themes' in failure && Array.isArray(failure.themes) ? failure.themes : []
  if (searchParams.get('verstuurd')) {
    return (
      <div className="page page--narrow">
        <h1>Dank u wel!</h1>
        <p role="status" className="notice">
          Uw voorbeeld is ontvangen en wacht op beoordeling door de redactie. Na goedkeuring staat het bij de goede voorbeelden.
        </p>
        <p>
          <Link to="/voorbeelden">Naar de goede voorbeelden</Link>
        </p>
      </div>
    )
  }
  return (
    <div className="page page--narrow">
      <h1>Een goed voorbeeld delen</h1>
      <p>
        Werkt uw netwerk of organisatie goed samen met anderen? Vertel hoe, zodat anderen ervan leren.{' '}
        {isMember ? 'Als netwerklid staat uw voorbeeld meteen online.' : 'Een redacteur bekijkt uw voorbeeld voordat het online komt.'}
      </p>
      <Form method="post" encType="multipart/form-data" className="form" noValidate>
        <ErrorSummary errors={errors} />
        <SpamGuardFields started={started} />
        <Field label="Naam van het netwerk of de organisatie" name="netwerk" required maxLength={150} defaultValue={values.netwerk} error={errors.netwerk} />
        <Field label="Plaats" name="plaats" maxLength={100} defaultValue={values.plaats} error={errors.plaats} />
        <FieldFrame label="Provincie" name="regio" error={errors.regio}>
          {(control) => (
            <select {...control} name="regio" defaultValue={values.regio ?? ''}>
              <option value="">Kies een provincie</option>
              {provinces.map((province) => (
                <option key={province}>{province}</option>
              ))}
            </select>
          )}
        </FieldFrame>
        <fieldset className="fieldset">
          <legend>Thema’s uit de handreiking (kies wat past)</legend>
          {themes.map((theme, index) => (
            <Checkbox key={theme.key} label={theme.label} name="themas" defaultChecked={chosenThemes.includes(theme.key)} value={theme.key} first={index === 0} />
          ))}
        </fieldset>
        <TextArea label="Korte samenvatting" name="samenvatting" rows={3} required maxLength={500} defaultValue={values.samenvatting} error={errors.samenvatting} hint="Eén of twee zinnen: wat doet u samen, en wat levert het op?" />
        <TextArea label="Het verhaal" name="verhaal" rows={10} required maxLength={20000} defaultValue={values.verhaal} error={errors.verhaal} hint="Hoe begon het, wie doen er mee, wat werkt en wat zou u anders doen? Witregels maken alinea’s." />
        <Field label="Website" name="website" type="text" inputMode="url" autoComplete="url" spellCheck={false} maxLength={300} defaultValue={values.website} error={errors.website} hint="Bijvoorbeeld www.vrijwilligerspunt.nl" />
        <Field label="Contact voor wie meer wil weten" name="contact" maxLength={300} defaultValue={values.contact} error={errors.contact} hint="Dit tonen we bij het voorbeeld, bijvoorbeeld een telefoonnummer of e-mailadres van uw organisatie." />
        <FileField
          label="Bestanden (niet verplicht)"
          name="bestanden"
          rules={uploadRules}
          error={errors.bestanden}
          hint="Hoogstens 5 bestanden van elk hoogstens 20 MB: PDF, Word, Excel, PowerPoint, ODT, ODS, JPG of PNG. Foto’s plaatsen wij zonder locatie- en cameragegevens; in PDF- en Office-bestanden blijven de naam van de maker en andere eigenschappen staan."
        />
        <fieldset className="fieldset">
          <legend>Over u</legend>
          <Field label="Uw naam (niet verplicht)" name="naam" autoComplete="name" maxLength={100} defaultValue={values.naam} error={errors.naam} hint="We tonen hem niet bij het voorbeeld; alleen in het colofon, als u dat hieronder aankruist." />
          <Checkbox label="Mijn naam mag genoemd worden in het colofon van de handreiking" name="toon_naam" defaultChecked={values.toon_naam === 'ja'} />
          <Field label="Uw e-mailadres (niet verplicht)" name="email" type="email" maxLength={254} defaultValue={values.email} error={errors.email} hint="Alleen om u te laten weten of uw voorbeeld geplaatst is. We tonen het nooit." />
        </fieldset>
        <ConsentField error={errors.toestemming} defaultChecked={values.toestemming === 'ja'} />
        <SubmitButton>Voorbeeld versturen</SubmitButton>
      </Form>
    </div>
  )
}
