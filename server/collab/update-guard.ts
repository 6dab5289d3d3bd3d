import * as Y from 'yjs'
import { isSafeHref } from './document-json'
import type { ElementRule, SchemaRules } from './schema-rules'
import { markNameOf } from './schema-rules'

/**
 * Checks one Yjs update against a live document before it is applied, without
 * applying it: every struct and every deletion must build on what the document
 * (or the update itself) already has — otherwise Yjs would keep it pending in
 * doc.store and apply it later behind everyone's back — and everything it adds
 * must fit the shared tiptap schema. Cost: one decode of the update plus a
 * lookup per referenced item; the document is not touched.
 *
 * Pure: it knows nothing about sockets, rooms or writes, so a batching writer or
 * a relay between processes can call it the same way.
 */
export type UpdateVerdict =
  | {
      ok: true
      /** Yjs client ids whose clocks the update extends: whose new text it carries. */
      writes: Set<number>
      /** Every struct is new to the document (none repeats a known one): applied, it is exactly what changed. */
      fresh: boolean
      /** Whether it deletes anything (perhaps what is deleted already). */
      deletes: boolean
    }
  | { ok: false; reason: 'missing' | 'schema'; detail: string }

type Struct = Y.Item | Y.GC | Y.Skip
type Parent = { kind: 'element'; rule: ElementRule; root: boolean } | { kind: 'text' }
type Place = { parent: Parent; sub: string | null } | 'collected'

class Refused extends Error {
  constructor(
    readonly reason: 'missing' | 'schema',
    detail: string,
  ) {
    super(detail)
  }
}

export function checkUpdate(doc: Y.Doc, update: Uint8Array, rules: SchemaRules): UpdateVerdict {
  const { structs, ds } = Y.decodeUpdate(update) as { structs: Struct[]; ds: { clients: Map<number, Array<{ clock: number; len: number }>> } }
  try {
    const check = new UpdateCheck(doc, structs, rules)
    const writes = check.run(ds)
    return { ok: true, writes, fresh: check.fresh, deletes: ds.clients.size > 0 }
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.reason, detail: error.message }
    throw error
  }
}

class UpdateCheck {
  private readonly byClient = new Map<number, Struct[]>()
  private readonly before = new Map<number, number>()
  private readonly after = new Map<number, number>()
  private readonly places = new Map<Y.Item, Place | null>()
  fresh = true

  constructor(
    private readonly doc: Y.Doc,
    private readonly structs: Struct[],
    private readonly rules: SchemaRules,
  ) {}

  run(ds: { clients: Map<number, Array<{ clock: number; len: number }>> }) {
    const writes = new Set<number>()
    // 1. Every struct starts where the document (or the update's previous struct) ends.
    let current: number | null = null
    for (const struct of this.structs) {
      const client = struct.id.client
      if (client !== current) {
        if (this.byClient.has(client)) throw new Refused('schema', `client ${client} appears twice`)
        this.byClient.set(client, [])
        this.before.set(client, Y.getState(this.doc.store, client))
        this.after.set(client, this.before.get(client)!)
        current = client
      }
      this.byClient.get(client)!.push(struct)
      const known = this.after.get(client)!
      if (struct instanceof Y.Skip) continue
      if (struct.id.clock > known) throw new Refused('missing', `client ${client} clock ${struct.id.clock} after ${known}`)
      if (struct.id.clock < this.before.get(client)!) this.fresh = false
      const end = struct.id.clock + struct.length
      if (end > known) this.after.set(client, end)
      if (end > this.before.get(client)!) writes.add(client)
    }
    // 2. Every reference points at something known, and new content fits the schema.
    for (const struct of this.structs) {
      if (!(struct instanceof Y.Item)) continue
      // Yjs resolves the references of every struct, even one it already has, before it skips it.
      for (const reference of [struct.origin, struct.rightOrigin, struct.parent instanceof Y.ID ? struct.parent : null]) {
        if (!reference) continue
        const limit = reference.client === struct.id.client ? struct.id.clock : this.known(reference.client)
        if (reference.clock >= limit) throw new Refused('missing', `reference to ${reference.client}:${reference.clock}`)
      }
      if (struct.id.clock + struct.length <= this.before.get(struct.id.client)!) continue // already known: its content is not applied
      this.checkBetween(struct)
      if (!struct.deleted && !(struct.content instanceof Y.ContentDeleted)) this.checkContent(struct)
    }
    // 3. Every deletion names clocks that exist once the update is in.
    for (const [client, deletions] of ds.clients) {
      const known = this.known(client)
      for (const { clock, len } of deletions) {
        if (clock + len > known) throw new Refused('missing', `deletion of ${client}:${clock}+${len} beyond ${known}`)
      }
    }
    return writes
  }

  /**
   * An item goes between its origin and its right origin, which its author saw side by side. Yjs
   * integrates it by walking right from the origin until it meets the right origin; a forged pair
   * (the right origin left of the origin, or under another parent) never meets, and then where the
   * item lands depends on what else each replica has at that moment: the server and its clients
   * would silently keep the text in different places. Checked where both ends are already in the
   * document; the walk is the one Yjs makes anyway.
   */
  private checkBetween(item: Y.Item) {
    const { origin, rightOrigin } = item
    if (!origin || !rightOrigin || !this.isKnown(origin) || !this.isKnown(rightOrigin)) return
    const left = Y.getItem(this.doc.store, origin)
    const right = Y.getItem(this.doc.store, rightOrigin)
    if (!(left instanceof Y.Item) || !(right instanceof Y.Item)) return // collected: Yjs drops the item
    const forged = () => new Refused('schema', `item ${item.id.client}:${item.id.clock} between ${origin.client}:${origin.clock} and ${rightOrigin.client}:${rightOrigin.clock}, which are not in that order`)
    if (left.parent !== right.parent || left.parentSub !== right.parentSub) throw forged()
    if (left === right) {
      if (rightOrigin.clock <= origin.clock) throw forged()
      return
    }
    for (let next = left.right; next !== right; next = next.right) if (next === null) throw forged()
  }

  private isKnown(id: Y.ID) {
    return id.clock < Y.getState(this.doc.store, id.client)
  }

  private known(client: number) {
    return this.after.get(client) ?? Y.getState(this.doc.store, client)
  }

  private checkContent(item: Y.Item) {
    const place = this.placeOf(item)
    if (place === null) throw new Refused('schema', `item ${item.id.client}:${item.id.clock} outside the document`)
    if (place === 'collected') return
    const { parent, sub } = place
    const content = item.content
    if (parent.kind === 'text') {
      if (sub !== null) throw new Refused('schema', 'attribute on text')
      if (content instanceof Y.ContentString) return
      if (content instanceof Y.ContentFormat) {
        const mark = this.rules.marks.get(markNameOf(content.key))
        if (!mark) throw new Refused('schema', `unknown mark ${content.key.slice(0, 40)}`)
        const value: unknown = content.value
        if (value === null) return // the end of a formatted range
        if (typeof value !== 'object' || Array.isArray(value)) throw new Refused('schema', 'mark attributes not an object')
        if (mark.attributes.has('href') && !isSafeHref((value as { href?: unknown }).href)) throw new Refused('schema', 'link without a safe address')
        return
      }
      throw new Refused('schema', `${content.constructor.name} in text`)
    }
    if (sub !== null) {
      if (parent.root || !parent.rule.attributes.has(sub)) throw new Refused('schema', `attribute ${sub.slice(0, 40)} on ${parent.rule.type.name}`)
      if (!(content instanceof Y.ContentAny)) throw new Refused('schema', `${content.constructor.name} as attribute`)
      const values = content.getContent()
      if (values.length !== 1 || (values[0] !== null && !['string', 'number', 'boolean'].includes(typeof values[0]))) throw new Refused('schema', `attribute ${sub} not a plain value`)
      return
    }
    if (!(content instanceof Y.ContentType)) throw new Refused('schema', `${content.constructor.name} in ${parent.rule.type.name}`)
    const type = content.type
    if (type.constructor === Y.XmlText) {
      if (!parent.rule.text) throw new Refused('schema', `text in ${parent.rule.type.name}`)
      return
    }
    if (type.constructor === Y.XmlElement) {
      const name = (type as Y.XmlElement).nodeName
      if (!this.rules.elements.has(name) || !parent.rule.children.has(name)) throw new Refused('schema', `element ${name.slice(0, 40)} in ${parent.rule.type.name}`)
      return
    }
    throw new Refused('schema', `${type.constructor.name} in ${parent.rule.type.name}`)
  }

  /** Where an item of this update lands: which parent and map key, as Yjs will work it out. */
  private placeOf(item: Y.Item): Place | null {
    if (this.places.has(item)) return this.places.get(item)!
    this.places.set(item, null) // a cycle of references resolves to "nowhere"
    let place: Place | null = null
    if (typeof item.parent === 'string') {
      place = item.parent === this.rules.rootName ? { parent: { kind: 'element', rule: this.rules.root, root: true }, sub: item.parentSub } : null
    } else if (item.parent instanceof Y.ID) {
      const target = this.find(item.parent)
      if (target instanceof Y.GC) place = 'collected'
      else if (target instanceof Y.Item && target.content instanceof Y.ContentType) {
        const parent = this.parentFor(target.content.type)
        place = parent ? { parent, sub: item.parentSub } : null
      }
    } else {
      const left = item.origin ? this.find(item.origin) : null
      const right = item.rightOrigin ? this.find(item.rightOrigin) : null
      if (left instanceof Y.GC || right instanceof Y.GC) place = 'collected'
      else {
        const neighbour = left instanceof Y.Item ? left : right instanceof Y.Item ? right : null
        if (neighbour) place = this.integrated(neighbour) ? this.placeInDocument(neighbour) : this.placeOf(neighbour)
      }
    }
    this.places.set(item, place)
    return place
  }

  private integrated(item: Y.Item) {
    return item.id.clock < (this.before.get(item.id.client) ?? Y.getState(this.doc.store, item.id.client))
  }

  private placeInDocument(item: Y.Item): Place | null {
    const type = item.parent
    if (!(type instanceof Y.AbstractType)) return 'collected'
    const parent = this.parentFor(type)
    return parent ? { parent, sub: item.parentSub } : null
  }

  private parentFor(type: Y.AbstractType<unknown>): Parent | null {
    if (type._item === null && type.doc) {
      // A root type: only the fragment tiptap edits.
      return this.doc.share.get(this.rules.rootName) === type ? { kind: 'element', rule: this.rules.root, root: true } : null
    }
    if (type.constructor === Y.XmlText) return { kind: 'text' }
    if (type.constructor === Y.XmlElement) {
      const rule = this.rules.elements.get((type as Y.XmlElement).nodeName)
      return rule ? { kind: 'element', rule, root: false } : null
    }
    return null
  }

  /** The struct holding `id`: in the document when it knows the clock, else in this update. */
  private find(id: Y.ID): Struct | null {
    if (id.clock < Y.getState(this.doc.store, id.client)) return Y.getItem(this.doc.store, id) as Struct
    const list = this.byClient.get(id.client)
    if (!list) return null
    let low = 0
    let high = list.length - 1
    while (low <= high) {
      const middle = (low + high) >> 1
      const struct = list[middle]
      if (id.clock < struct.id.clock) high = middle - 1
      else if (id.clock >= struct.id.clock + struct.length) low = middle + 1
      else return struct instanceof Y.Skip ? null : struct
    }
    return null
  }
}
