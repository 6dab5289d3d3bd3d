import { Fragment, type Mark, type Node, type NodeType } from '@tiptap/pm/model'
import * as Y from 'yjs'
import type { SchemaRules } from './schema-rules'
import { markNameOf } from './schema-rules'

/**
 * A live document's Yjs content as a ProseMirror node of the shared schema,
 * whatever the document holds: unknown elements left out (as the editor does),
 * unknown marks and attributes dropped, misplaced blocks re-wrapped or lifted,
 * unsafe links unlinked. Never throws on content; publishing, history and
 * suggestions read documents through here.
 */
export function liveDocumentNode(fragment: Y.XmlFragment, rules: SchemaRules): { node: Node; repaired: number; reasons: string[] } {
  const conversion = new Conversion(rules)
  const children = fragment.toArray().flatMap((child) => conversion.convert(child))
  const top = rules.schema.topNodeType
  const node = conversion.fit(top, null, children).find((candidate) => candidate.type === top) ?? top.createAndFill()!
  return { node, repaired: conversion.repaired, reasons: [...conversion.reasons] }
}

/**
 * The schemes tiptap's link extension lets an editor use (its isAllowedUri); none of them runs
 * script. The guard refuses other links and reading leaves them out, so an honest editor is never
 * refused for a link it was allowed to make, and `javascript:` or `data:` never gets in.
 */
const linkSchemes = ['http', 'https', 'ftp', 'ftps', 'mailto', 'tel', 'callto', 'sms', 'cid', 'xmpp']

/** Whether a link may point here: an address with one of those schemes, or one without a scheme (a path). */
export function isSafeHref(href: unknown): href is string {
  if (typeof href !== 'string' || href.length > 4096) return false
  // eslint-disable-next-line no-control-regex
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(href.replace(/[\u0000-\u0020\u00a0\u1680\u180e\u2000-\u2029\u205f\u3000]/g, ''))
  return scheme === null || linkSchemes.includes(scheme[1].toLowerCase())
}

/** Text Postgres can store (jsonb has no NUL and no lone surrogate halves): those become U+FFFD. */
export function storableText(text: string) {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}

const plain = (value: unknown) => (typeof value === 'string' ? storableText(value) : value)

class Conversion {
  repaired = 0
  /** The first few kinds of repair, for the log. */
  readonly reasons = new Set<string>()

  private repair(reason: string) {
    this.repaired += 1
    if (this.reasons.size < 5) this.reasons.add(reason)
  }

  constructor(private readonly rules: SchemaRules) {}

  convert(child: unknown): Node[] {
    if (child instanceof Y.XmlText) return this.text(child)
    if (child instanceof Y.XmlElement) {
      const rule = this.rules.elements.get(child.nodeName)
      if (!rule) {
        // As the editor does: an element the schema does not know is left out with all it holds.
        this.repair(`unknown element ${child.nodeName.slice(0, 40)}`)
        return []
      }
      const children = child.toArray().flatMap((grandchild) => this.convert(grandchild))
      const attrs: Record<string, unknown> = {}
      const given = child.getAttributes() as Record<string, unknown>
      for (const key of rule.attributes) {
        const value = given[key]
        if (value === undefined) continue
        if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) attrs[key] = plain(value)
        else this.repair(`attribute ${key} not a plain value`)
      }
      return this.fit(rule.type, attrs, children)
    }
    this.repair('neither element nor text')
    return []
  }

  private text(text: Y.XmlText): Node[] {
    const nodes: Node[] = []
    for (const part of text.toDelta() as Array<{ insert: unknown; attributes?: Record<string, unknown> }>) {
      if (typeof part.insert !== 'string') {
        this.repair('embed in text')
        continue
      }
      if (part.insert.length === 0) continue
      let marks: readonly Mark[] = []
      for (const [key, value] of Object.entries(part.attributes ?? {})) {
        const mark = this.mark(key, value)
        if (mark) marks = mark.addToSet(marks)
        else this.repair(`mark ${key.slice(0, 40)}`)
      }
      nodes.push(this.rules.schema.text(storableText(part.insert), marks))
    }
    return nodes
  }

  private mark(key: string, value: unknown): Mark | null {
    const rule = this.rules.marks.get(markNameOf(key))
    if (!rule) return null
    const given = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
    const attrs: Record<string, unknown> = {}
    for (const name of rule.attributes) {
      const attr = given[name]
      if (attr === null || ['string', 'number', 'boolean'].includes(typeof attr)) attrs[name] = plain(attr)
    }
    if (rule.attributes.has('href') && !isSafeHref(attrs.href)) return null
    try {
      return rule.type.create(attrs)
    } catch {
      return null
    }
  }

  /**
   * `type` with as many of `children` as fit, in order: children it cannot hold
   * directly are wrapped (loose text into a paragraph) or, failing that, their own
   * content is tried in their place. Returns the node, or the children themselves
   * when no node of this type can be made of them.
   */
  fit(type: NodeType, attrs: Record<string, unknown> | null, children: Node[]): Node[] {
    const kept: Node[] = []
    let match = type.contentMatch
    const queue = children.map((child) => (child.isText ? child.mark(child.marks.filter((mark) => type.allowsMarkType(mark.type))) : child))
    while (queue.length > 0) {
      const child = queue.shift()!
      const next = match.matchType(child.type)
      if (next) {
        kept.push(child)
        match = next
        continue
      }
      this.repair(`${child.type.name} misplaced in ${type.name}`)
      const wrapping = match.findWrapping(child.type)
      if (wrapping && wrapping.length > 0) {
        // Take the run of siblings that fit the same wrapper along (consecutive loose text → one paragraph).
        const run = [child]
        while (queue.length > 0 && queue[0].isInline === child.isInline && match.matchType(queue[0].type) === null) run.push(queue.shift()!)
        let wrapped: Node[] = run
        for (let index = wrapping.length - 1; index >= 0 && wrapped.length > 0; index--) wrapped = this.fit(wrapping[index], null, wrapped).filter((node) => node.type === wrapping[index])
        const [outer] = wrapped
        const after = outer ? match.matchType(outer.type) : null
        if (outer && after) {
          kept.push(outer)
          match = after
        }
        continue
      }
      if (!child.isLeaf) queue.unshift(...child.content.content)
    }
    try {
      const node = type.createAndFill(attrs, Fragment.from(kept))
      if (node) return [node]
    } catch {
      // attributes the type cannot take: fall through and hand the children up
    }
    return kept
  }
}
