/** An element of a parsed XML document: name as written, attributes, child elements and its text. */
export type XmlElement = { name: string; attributes: Record<string, string>; children: XmlElement[]; text: string }

const namePattern = /^[A-Za-z_][\w.:-]*/
const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/**
 * A strict little XML 1.0 parser for tests: throws on anything not well-formed (an
 * unclosed or crossed tag, a raw `<` or `&` in text, an unknown entity, a duplicate
 * attribute, a second root, a forbidden control character), so a feed that passes was
 * really XML. No DTDs: feeds have none.
 */
export function parseXml(source: string): XmlElement {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(source)) throw new Error('a control character XML forbids')
  let at = 0
  const fail = (message: string): never => {
    throw new Error(`${message} at ${at}: ${JSON.stringify(source.slice(at, at + 40))}`)
  }
  const decode = (text: string) =>
    text.replace(/&([^;]*);?/g, (match, entity: string) => {
      if (!match.endsWith(';')) fail('an unescaped &')
      if (/^#x[\da-f]+$/i.test(entity)) return String.fromCodePoint(parseInt(entity.slice(2), 16))
      if (/^#\d+$/.test(entity)) return String.fromCodePoint(Number(entity.slice(1)))
      return entities[entity] ?? fail(`an unknown entity &${entity};`)
    })
  /** Moves past the next `marker`, which must be there. */
  const past = (marker: string, what: string) => {
    const found = source.indexOf(marker, at)
    if (found < 0) fail(`an unclosed ${what}`)
    return found + marker.length
  }
  const skipMisc = () => {
    for (;;) {
      const rest = source.slice(at)
      const space = /^\s+/.exec(rest)
      if (space) at += space[0].length
      else if (rest.startsWith('<!--')) at = past('-->', 'comment')
      else if (rest.startsWith('<?')) at = past('?>', 'processing instruction')
      else return
    }
  }
  const element = (): XmlElement => {
    if (source[at] !== '<') fail('an element expected')
    at++
    const name = namePattern.exec(source.slice(at))?.[0] ?? fail('an element name expected')
    at += name.length
    const node: XmlElement = { name, attributes: {}, children: [], text: '' }
    for (;;) {
      const attribute = /^\s+([A-Za-z_][\w.:-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(source.slice(at))
      if (!attribute) break
      if (attribute[1] in node.attributes) fail(`a second ${attribute[1]} attribute`)
      node.attributes[attribute[1]] = decode(attribute[3] ?? attribute[4])
      at += attribute[0].length
    }
    const end = /^\s*(\/?)>/.exec(source.slice(at)) ?? fail('the end of a start tag expected')
    at += end[0].length
    if (end[1]) return node
    for (;;) {
      const next = source.indexOf('<', at)
      if (next < 0) fail(`</${name}> missing`)
      const text = source.slice(at, next)
      if (text.includes(']]>')) fail(']]> in text')
      node.text += decode(text)
      at = next
      if (source.startsWith('</', at)) {
        const close = new RegExp(`^</${name.replace(/[.]/g, '\\.')}\\s*>`).exec(source.slice(at)) ?? fail(`</${name}> expected`)
        at += close[0].length
        return node
      }
      if (source.startsWith('<!--', at)) at = past('-->', 'comment')
      else if (source.startsWith('<![CDATA[', at)) {
        const close = source.indexOf(']]>', at)
        if (close < 0) fail('an unclosed CDATA section')
        node.text += source.slice(at + 9, close)
        at = close + 3
      } else node.children.push(element())
    }
  }
  if (source.startsWith('<?xml') && !/^<\?xml version="1\.[01]"( encoding="[\w-]+")?\s*\?>/.test(source)) fail('a malformed XML declaration')
  skipMisc()
  const root = element()
  skipMisc()
  if (at !== source.length) fail('content after the root element')
  return root
}

/** The child elements of this name. */
export function childrenNamed(element: XmlElement, name: string) {
  return element.children.filter((child) => child.name === name)
}
