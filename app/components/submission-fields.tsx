import { useId } from 'react'
import { contributionLicence } from '#app/site'
import { Field, FieldError, FieldFrame } from '#app/components/form-field'
import type { FieldErrors } from '#app/utils/forms'
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
    <FieldFrame label={label} hint={hint} error={error}>
      {(control) => <textarea {...control} name={name} rows={rows} required={required} maxLength={maxLength} defaultValue={defaultValue} />}
    </FieldFrame>
  )
}

export function Checkbox({ label, name, error, defaultChecked, value = 'ja', children }: { label: string; name: string; error?: string; defaultChecked?: boolean; value?: string; children?: React.ReactNode }) {
  const id = useId()
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
