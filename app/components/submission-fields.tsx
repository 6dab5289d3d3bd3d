import { useEffect, useRef, useState } from 'react'
import { contributionLicence } from '#app/site'
import { Field, FieldError, FieldFrame } from '#app/components/form-field'
import { fieldId, type FieldErrors } from '#app/utils/forms'
import { honeypotField, startedField } from '#app/utils/submission-schema'

/** Hidden anti-spam fields: a honeypot people never see, and when the form was shown. */
export function SpamGuardFields({ started }: { started: string }) {
  return (
    <>
      <div className="honeypot" aria-hidden="true">
        <label htmlFor={`${honeypotField}-veld`}>Laat dit veld leeg</label>
        <input id={`${honeypotField}-veld`} name={honeypotField} tabIndex={-1} autoComplete="off" />
      </div>
      <input type="hidden" name={startedField} value={started} />
    </>
  )
}

export function TextArea({ label, name, error, hint, defaultValue, rows = 5, required, maxLength }: { label: string; name: string; error?: string; hint?: string; defaultValue?: string; rows?: number; required?: boolean; maxLength?: number }) {
  return (
    <FieldFrame label={label} name={name} hint={hint} error={error}>
      {(control) => <textarea {...control} name={name} rows={rows} required={required} maxLength={maxLength} defaultValue={defaultValue} />}
    </FieldFrame>
  )
}

/**
 * A checkbox beside its label (the whole label is the target), error above both.
 * `first` marks the box of a group the error summary links to.
 */
export function Checkbox({ label, name, error, defaultChecked, value = 'ja', first = false, children }: { label: string; name: string; error?: string; defaultChecked?: boolean; value?: string; first?: boolean; children?: React.ReactNode }) {
  const id = value === 'ja' || first ? fieldId(name) : `${fieldId(name)}-${value}`
  return (
    <div className={`field field--checkbox${error ? ' field--invalid' : ''}`}>
      <FieldError id={`${id}-error`} error={error} />
      <input id={id} type="checkbox" name={name} value={value} defaultChecked={defaultChecked} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} />
      <label htmlFor={id}>
        {label}
        {children}
      </label>
    </div>
  )
}

/** Who sent it: optional, shown only with consent; the address is never shown. */
export function SubmitterFields({ errors, values }: { errors: FieldErrors; values: Record<string, string> }) {
  return (
    <fieldset className="fieldset">
      <legend>Over u (niet verplicht)</legend>
      <Field label="Naam" name="naam" autoComplete="name" maxLength={100} defaultValue={values.naam} error={errors.naam} />
      <Field label="Organisatie" name="organisatie" autoComplete="organization" maxLength={150} defaultValue={values.organisatie} error={errors.organisatie} />
      <Checkbox label="Toon mijn naam en organisatie bij mijn bijdrage" name="toon_naam" defaultChecked={values.toon_naam === 'ja'} />
      <Field
        label="E-mailadres"
        name="email"
        type="email"
        autoComplete="email"
        maxLength={254}
        defaultValue={values.email}
        error={errors.email}
        hint="Alleen om u te laten weten of uw bijdrage geplaatst is, en om haar later te kunnen laten verwijderen. We tonen het nooit."
      />
    </fieldset>
  )
}

type UploadRules = { maxFiles: number; maxFileBytes: number; extensions: string[] }

/**
 * A file input that checks the number, type (by name) and size of the chosen
 * files in the browser, so nobody waits for a 22 MB upload to be refused.
 * The server still decides, from the bytes; without JavaScript only it checks.
 */
export function FileField({ label, name, hint, error, rules }: { label: string; name: string; hint: string; error?: string; rules: UploadRules }) {
  const input = useRef<HTMLInputElement>(null)
  const [problem, setProblem] = useState('')
  useEffect(() => {
    const form = input.current?.form
    if (!form) return
    const refuse = (event: SubmitEvent) => {
      const found = input.current ? uploadProblem(input.current.files, rules) : ''
      setProblem(found)
      if (!found) return
      event.preventDefault()
      input.current?.focus()
    }
    form.addEventListener('submit', refuse)
    return () => form.removeEventListener('submit', refuse)
  }, [rules])
  return (
    <FieldFrame label={label} name={name} hint={hint} error={problem || error}>
      {(control) => (
        <input
          {...control}
          ref={input}
          name={name}
          type="file"
          multiple
          accept={rules.extensions.map((extension) => `.${extension}`).join(',')}
          onChange={(event) => setProblem(uploadProblem(event.currentTarget.files, rules))}
        />
      )}
    </FieldFrame>
  )
}

function uploadProblem(files: FileList | null, rules: UploadRules) {
  const chosen = [...(files ?? [])]
  if (chosen.length > rules.maxFiles) return `U kunt hoogstens ${rules.maxFiles} bestanden meesturen; u koos er ${chosen.length}.`
  const megabytes = Math.round(rules.maxFileBytes / 1024 / 1024)
  const problems = chosen.flatMap((file) => {
    const extension = file.name.split('.').pop()?.toLowerCase().replace('jpeg', 'jpg') ?? ''
    if (!rules.extensions.includes(extension)) return [`${file.name} is geen toegestaan bestandstype.`]
    if (file.size > rules.maxFileBytes) return [`${file.name} is groter dan ${megabytes} MB.`]
    return []
  })
  return problems.length > 0 ? `${problems.join(' ')} Kies een ander bestand, of verklein het.` : ''
}

export function ConsentField({ error, defaultChecked }: { error?: string; defaultChecked?: boolean }) {
  return (
    <Checkbox label="Ik geef toestemming om mijn bijdrage te publiceren onder de licentie " name="toestemming" error={error} defaultChecked={defaultChecked}>
      <a href={contributionLicence.url} rel="license noopener">
        {contributionLicence.name}
      </a>
      .
    </Checkbox>
  )
}
