import { useEffect, useRef, useState } from 'react'
import { contributionLicence } from '#app/site'
import { Field, FieldError, FieldFrame } from '#app/components/form-field'
import { formatBytes } from '#app/utils/file-size'
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
      <Checkbox label="Toon mijn naam en organisatie bij mijn bijdrage en in het colofon van de handreiking" name="toon_naam" defaultChecked={values.toon_naam === 'ja'} />
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
/**
 * A file input that says before sending what is allowed (in the hint, and per
 * chosen file with its size) and refuses what the server would refuse. With
 * JavaScript, a form with files is sent by XMLHttpRequest so each file's
 * progress can be shown; the answer is then shown as the browser would have
 * (a redirect is followed, any other page replaces this one). Without
 * JavaScript it is a plain file input in a plain multipart form.
 */
export function FileField({ label, name, hint, error, rules }: { label: string; name: string; hint: string; error?: string; rules: UploadRules }) {
  const input = useRef<HTMLInputElement>(null)
  const [problem, setProblem] = useState('')
  const [chosen, setChosen] = useState<Array<{ name: string; size: number }>>([])
  const [progress, setProgress] = useState<number[] | null>(null)
  useEffect(() => {
    const form = input.current?.form
    if (!form) return
    const send = (event: SubmitEvent) => {
      const files = [...(input.current?.files ?? [])]
      const found = input.current ? uploadProblem(input.current.files, rules) : ''
      setProblem(found)
      if (found) {
        event.preventDefault()
        input.current?.focus()
        return
      }
      if (files.length === 0 || event.defaultPrevented || typeof XMLHttpRequest === 'undefined') return
      event.preventDefault()
      sendWithProgress(form, event.submitter, files, setProgress)
    }
    form.addEventListener('submit', send)
    return () => form.removeEventListener('submit', send)
  }, [rules])
  const megabytes = Math.round(rules.maxFileBytes / 1024 / 1024)
  return (
    <FieldFrame label={label} name={name} hint={hint} error={problem || error}>
      {(control) => (
        <>
          <input
            {...control}
            ref={input}
            name={name}
            type="file"
            multiple
            accept={rules.extensions.map((extension) => `.${extension}`).join(',')}
            onChange={(event) => {
              setProblem(uploadProblem(event.currentTarget.files, rules))
              setChosen([...(event.currentTarget.files ?? [])].map((file) => ({ name: file.name, size: file.size })))
              setProgress(null)
            }}
          />
          {chosen.length > 0 ? (
            <ul className="upload-list" aria-label="Gekozen bestanden">
              {chosen.map((file, index) => (
                <li key={`${file.name}-${index}`} className="upload-list__file">
                  <span className="long-text">{file.name}</span>{' '}
                  <span className={file.size > rules.maxFileBytes ? 'field__error' : 'muted'}>
                    ({formatBytes(file.size)}
                    {file.size > rules.maxFileBytes ? `, groter dan ${megabytes} MB` : ''})
                  </span>
                  {progress ? (
                    <>
                      <progress max={100} value={Math.round((progress[index] ?? 0) * 100)} aria-label={`Verzonden van ${file.name}`} />
                      <span className="muted">{progress[index] >= 1 ? 'verzonden' : `${Math.round((progress[index] ?? 0) * 100)}%`}</span>
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : null}
          {progress ? (
            <p role="status" className="muted">
              {progress.every((part) => part >= 1) ? 'Alles is verzonden; de bestanden worden gecontroleerd…' : 'Bezig met verzenden…'}
            </p>
          ) : null}
        </>
      )}
    </FieldFrame>
  )
}

/**
 * Sends the form as the browser would (same fields, same order, the pressed
 * button's value), reporting each file's share of the upload. Parts are sent
 * in order, so a file's progress follows from how many bytes came before it.
 */
function sendWithProgress(form: HTMLFormElement, submitter: HTMLElement | null, files: File[], setProgress: (progress: number[]) => void) {
  const data = new FormData(form, submitter instanceof HTMLButtonElement || submitter instanceof HTMLInputElement ? submitter : undefined)
  // Where each file starts and ends in the body, roughly (each part's headers are ~100–200 bytes).
  const spans: Array<[number, number]> = []
  let offset = 0
  for (const [key, value] of data.entries()) {
    offset += key.length + 120
    if (typeof value === 'string') offset += new TextEncoder().encode(value).length
    else {
      spans.push([offset, offset + value.size])
      offset += value.size
    }
  }
  const shares = (loaded: number, total: number) => spans.map(([from, to]) => Math.max(0, Math.min(1, (loaded * (offset / total) - from) / Math.max(1, to - from))))
  setProgress(files.map(() => 0))
  const request = new XMLHttpRequest()
  const target = form.action || window.location.href
  request.open('POST', target)
  request.upload.addEventListener('progress', (event) => {
    if (event.lengthComputable) setProgress(shares(event.loaded, event.total))
  })
  request.addEventListener('load', () => {
    setProgress(files.map(() => 1))
    // A redirect was followed: go where the browser would have gone. Otherwise show the answer (e.g. errors).
    if (request.responseURL && request.responseURL !== new URL(target, window.location.href).href) {
      window.location.assign(request.responseURL)
      return
    }
    document.open()
    document.write(request.responseText)
    document.close()
  })
  // A network error: fall back to the browser's own submission, which shows its own error page.
  request.addEventListener('error', () => HTMLFormElement.prototype.submit.call(form))
  request.send(data)
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
