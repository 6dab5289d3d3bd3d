import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorSummary } from '#app/components/error-summary'
import { Field, FieldFrame } from '#app/components/form-field'
import { SubmitButton } from '#app/components/submit-button'
import { sectionLabel, site } from '#app/site'
import { emailField, formFailed, formPageTitle, parseForm, rejected } from '#app/utils/forms'
import { listChapters, requestSubscription, scopeLabel } from '#server/follow/subscriptions'
import { CheckYourMail } from '#app/components/check-your-mail'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: formPageTitle(`Wijzigingen volgen — ${site.title}`, data?.failed) }]

export async function loader({ request, context }: LoaderFunctionArgs) {
  const chapters = await listChapters(context.db)
  const asked = new URL(request.url).searchParams.get('hoofdstuk')
  return {
    chapters: chapters.map((chapter) => ({ slug: chapter.slug, label: chapter.number ? `Hoofdstuk ${sectionLabel(chapter)}` : chapter.title })),
    chosen: chapters.some((chapter) => chapter.slug === asked) ? asked! : '',
    failed: formFailed(context),
  }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const chapters = await listChapters(context.db)
  const schema = z.object({
    email: emailField,
    volgen: z
      .string()
      .default('')
      .refine((value) => value === '' || chapters.some((chapter) => chapter.slug === value), 'Kies de hele handreiking of een hoofdstuk uit de lijst.'),
  })
  const form = parseForm(schema, await request.formData())
  if (!form.ok) return rejected(form, context)
  const chapter = chapters.find((entry) => entry.slug === form.data.volgen) ?? null
  await requestSubscription(context.db, { email: form.data.email, chapter, publicUrl: context.publicUrl, clientKey: context.clientKey })
  // The same answer whether or not the address already follows: nobody learns who reads along.
  return { ok: true as const, email: form.data.email, scope: scopeLabel(chapter) }
}

export default function FollowPage() {
  const { chapters, chosen } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  if (result?.ok) {
    return (
      <CheckYourMail>
        We hebben een e-mail gestuurd naar <strong>{result.email}</strong> om te bevestigen dat u wijzigingen in {result.scope} wilt volgen. Pas na uw
        bevestiging krijgt u berichten. De link is 7 dagen geldig.
      </CheckYourMail>
    )
  }
  const errors = result?.errors
  const values = result?.values ?? {}
  return (
    <div className="page page--narrow">
      <h1>Wijzigingen volgen</h1>
      <p>
        De handreiking verandert door de bijdragen van de mensen die haar gebruiken. Wilt u weten wat er verandert? Dan krijgt u hoogstens één keer per week
        een e-mail met de gepubliceerde wijzigingen, en een bericht bij elke nieuwe editie. U kunt zich in elke e-mail afmelden, zonder in te loggen.
      </p>
      <p>We bewaren alleen uw e-mailadres en wat u volgt, en wissen beide als u zich afmeldt.</p>
      <Form method="post" className="form" noValidate>
        <ErrorSummary errors={errors} />
        <Field label="E-mailadres" name="email" type="email" autoComplete="email" required defaultValue={values.email} error={errors?.email} />
        <FieldFrame label="Wat wilt u volgen?" name="volgen" error={errors?.volgen}>
          {(control) => (
            <select {...control} name="volgen" defaultValue={values.volgen ?? chosen}>
              <option value="">De hele handreiking</option>
              {chapters.map((chapter) => (
                <option key={chapter.slug} value={chapter.slug}>
                  {chapter.label}
                </option>
              ))}
            </select>
          )}
        </FieldFrame>
        <SubmitButton>Volgen</SubmitButton>
      </Form>
      <p>
        Liever een feedlezer? Volg de <Link to="/wijzigingen.xml" reloadDocument type="application/atom+xml">Atom-feed met wijzigingen</Link>.
      </p>
    </div>
  )
}
