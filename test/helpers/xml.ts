/** An element of a parsed XML document. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = '[A-Za-z_][\\w.:-]*';
const ATTRIBUTE = new RegExp(`\\s+(${NAME})\\s*=\\s*("([^"<]*)"|'([^'<]*)')`, 'y');
const ENTITY = /&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

/**
 * A strict little XML parser for the report's SVG: throws on unbalanced or mismatched tags,
 * unquoted or duplicate attributes, bare `&` or `<` in text, and more than one root.
 */
export function parseXml(source: string): XmlElement {
  const text = source.replace(/^<\?xml[^?]*\?>\s*/, '');
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = lt === -1 ? text.slice(i) : text.slice(i, lt);
    if (ENTITY.test(chunk)) throw new Error(`bare & in text near ${i}`);
    if (stack.length === 1 && chunk.trim() !== '') throw new Error('text outside the root element');
    stack.at(-1)!.text += chunk;
    if (lt === -1) break;
    if (text.startsWith('</', lt)) {
      const close = new RegExp(`</(${NAME})\\s*>`, 'y');
      close.lastIndex = lt;
      const m = close.exec(text);
      if (m === null) throw new Error(`malformed closing tag at ${lt}`);
      const open = stack.pop();
      if (open === undefined || open === root || open.name !== m[1]) throw new Error(`</${m[1]}> does not close <${open?.name}>`);
      i = close.lastIndex;
      continue;
    }
    const openTag = new RegExp(`<(${NAME})`, 'y');
    openTag.lastIndex = lt;
    const m = openTag.exec(text);
    if (m === null) throw new Error(`malformed tag at ${lt}`);
    const element: XmlElement = { name: m[1]!, attributes: {}, children: [], text: '' };
    let at = openTag.lastIndex;
    for (;;) {
      ATTRIBUTE.lastIndex = at;
      const a = ATTRIBUTE.exec(text);
      if (a === null) break;
      if (a[1]! in element.attributes) throw new Error(`duplicate attribute ${a[1]} on <${element.name}>`);
      const value = a[3] ?? a[4]!;
      if (ENTITY.test(value)) throw new Error(`bare & in attribute ${a[1]}`);
      element.attributes[a[1]!] = value;
      at = ATTRIBUTE.lastIndex;
    }
    const end = /\s*(\/?)>/y;
    end.lastIndex = at;
    const e = end.exec(text);
    if (e === null) throw new Error(`malformed attributes in <${element.name}> at ${at}`);
    if (stack.length === 1 && root.children.length > 0) throw new Error('more than one root element');
    stack.at(-1)!.children.push(element);
    if (e[1] !== '/') stack.push(element);
    i = end.lastIndex;
  }
  if (stack.length !== 1) throw new Error(`<${stack.at(-1)!.name}> is never closed`);
  if (root.children.length !== 1) throw new Error('no root element');
  return root.children[0]!;
}

export function descendants(element: XmlElement, name: string): XmlElement[] {
  return element.children.flatMap((child) => [...(child.name === name ? [child] : []), ...descendants(child, name)]);
}
