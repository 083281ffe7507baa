// A form generated from a deployment type's JSON Schema, and the descriptor it makes.

export interface Property {
  title?: string;
  type?: string;
  enum?: unknown[];
  description?: string;
  items?: { type?: string; pattern?: string };
  maxItems?: number;
  default?: unknown;
}

export interface Schema {
  title?: string;
  description?: string;
  required?: string[];
  properties?: Record<string, Property>;
}

/** A property's label: its schema title, or its name in words ("ssh_authorized_keys" -> "Ssh authorized keys"). */
export function fieldLabel(name: string, property: Property): string {
  if (property.title) return property.title;
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Builds one labelled field per property into `root`, its schema description shown beneath it. */
export function renderForm(root: HTMLElement, schema: Schema): void {
  root.replaceChildren();
  const required = new Set(schema.required ?? []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const id = `descriptor-${name}`;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = `${fieldLabel(name, property)}${required.has(name) ? ' (required)' : ''}`;
    let input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
    if (property.enum) {
      const select = document.createElement('select');
      if (!required.has(name)) {
        select.append(new Option('', ''));
      }
      for (const value of property.enum) {
        select.append(new Option(String(value), String(value)));
      }
      input = select;
    } else if (property.type === 'boolean') {
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = property.default === true;
      input = box;
    } else if (property.type === 'array') {
      const area = document.createElement('textarea');
      area.rows = 2;
      area.placeholder = property.items?.type === 'integer' ? 'one number per line' : 'one per line';
      input = area;
    } else {
      const text = document.createElement('input');
      text.type = property.type === 'integer' ? 'number' : 'text';
      input = text;
    }
    input.id = id;
    input.name = name;
    input.dataset.kind = property.type ?? 'string';
    input.dataset.items = property.items?.type ?? '';
    const row = document.createElement('div');
    row.className = 'field';
    row.append(label, input);
    if (property.description) {
      const hint = document.createElement('p');
      hint.className = 'hint';
      hint.id = `${id}-hint`;
      hint.textContent = property.description;
      input.setAttribute('aria-describedby', hint.id);
      row.append(hint);
    }
    root.append(row);
  }
}

/** The descriptor the form describes; empty optional fields are left out. */
export function readForm(root: HTMLElement, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  for (const input of root.querySelectorAll<HTMLInputElement>('input, select, textarea')) {
    const name = input.name;
    const kind = input.dataset.kind;
    if (kind === 'boolean') {
      out[name] = input.checked;
      continue;
    }
    const value = input.value.trim();
    if (!value) {
      if (required.has(name)) {
        throw new Error(`${fieldLabel(name, schema.properties?.[name] ?? {})} is required`);
      }
      continue;
    }
    if (kind === 'array') {
      const lines = value.split('\n').map((l) => l.trim()).filter((l) => l);
      out[name] = input.dataset.items === 'integer' ? lines.map((l) => parseIntStrict(name, l)) : lines;
    } else if (kind === 'integer') {
      out[name] = parseIntStrict(name, value);
    } else {
      out[name] = value;
    }
  }
  return out;
}

function parseIntStrict(name: string, text: string): number {
  if (!/^-?\d+$/.test(text)) {
    throw new Error(`${name}: "${text}" is not a whole number`);
  }
  return Number(text);
}
