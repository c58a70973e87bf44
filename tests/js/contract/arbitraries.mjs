// fast-check arbitraries from the document's JSON Schemas (valid values), and invalid variants
// of a valid value (wrong type, out of range, too long, unknown enum value, broken pattern,
// missing required member) that the document's own schemas refuse.
import fc from 'fast-check';
import { deref } from './openapi.mjs';

const MAX_TEXT = 24; // longest free text generated for a valid value
const ALL_TYPES = ['string', 'integer', 'number', 'boolean', 'object', 'array', 'null'];

// One schema without $ref or allOf: properties, required and the other keywords merged.
export function flatten(doc, schema) {
  const s = deref(doc, schema) ?? {};
  if (!s.allOf) return s;
  const out = { ...s };
  delete out.allOf;
  out.properties = { ...(s.properties ?? {}) };
  out.required = [...(s.required ?? [])];
  for (const part of s.allOf) {
    const p = flatten(doc, part);
    for (const [k, v] of Object.entries(p)) {
      if (k === 'properties') out.properties = { ...v, ...out.properties };
      else if (k === 'required') out.required = [...new Set([...out.required, ...v])];
      else if (!(k in out)) out[k] = v;
    }
  }
  return out;
}

function typesOf(s) {
  if (s.type) return [s.type].flat();
  if (s.const !== undefined) return [jsonType(s.const)];
  if (s.enum) return [...new Set(s.enum.map(jsonType))];
  if (s.properties) return ['object'];
  if (s.items) return ['array'];
  return [];
}

export function jsonType(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (Number.isInteger(v)) return 'integer';
  return typeof v;
}

const toDate = (d) => d.toISOString().slice(0, 10);

export class SchemaArbitraries {
  // hint(name, schema, where) may return an arbitrary of real values (ids of seeded documents).
  // file() is the arbitrary of uploaded files (binary strings).
  constructor(doc, { hint = () => null, file = () => fc.constant(Buffer.alloc(0)) } = {}) {
    this.doc = doc;
    this.hint = hint;
    this.file = file;
  }

  // A valid value of the schema; `name` and `where` are passed to the hint.
  valid(schema, { name = '', where = 'body', depth = 0 } = {}) {
    const s = flatten(this.doc, schema);
    const generated = this.#generate(s, { name, where, depth });
    const hinted = name ? this.hint(name, s, where) : null;
    if (!hinted) return generated;
    return fc.oneof({ weight: 3, arbitrary: hinted }, { weight: 1, arbitrary: generated });
  }

  #generate(s, ctx) {
    if (s.const !== undefined) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...s.enum);
    const branches = s.oneOf ?? s.anyOf;
    if (branches) {
      const rest = { ...s };
      delete rest.oneOf;
      delete rest.anyOf;
      return fc.oneof(...branches.map((b) => this.#generate(flatten(this.doc, { allOf: [rest, b] }), ctx)));
    }
    const types = typesOf(s);
    if (types.length === 0) return fc.constantFrom('value', 1, true);
    if (types.length > 1) {
      return fc.oneof(...types.map((t) => ({
        weight: t === 'null' ? 1 : 3,
        arbitrary: this.#generate({ ...s, type: t }, ctx),
      })));
    }
    switch (types[0]) {
      case 'null': return fc.constant(null);
      case 'boolean': return fc.boolean();
      case 'integer': return this.#integer(s);
      case 'number': return this.#number(s);
      case 'string': return this.#string(s, ctx);
      case 'array': {
        const items = s.items ? this.valid(s.items, { ...ctx, name: '', depth: ctx.depth + 1 }) : fc.constant('x');
        return fc.array(items, { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, 3) });
      }
      case 'object': {
        const model = {};
        for (const [k, v] of Object.entries(s.properties ?? {})) {
          model[k] = this.valid(v, { name: k, where: ctx.where, depth: ctx.depth + 1 });
        }
        return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in model) });
      }
      default: return fc.constant(null);
    }
  }

  #integer(s) {
    const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1000000);
    const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : 1000000);
    return fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min, max: Math.min(max, min + 1000) }) },
      { weight: 2, arbitrary: fc.integer({ min, max }) },
      { weight: 1, arbitrary: fc.constantFrom(min, max) },
    );
  }

  #number(s) {
    const min = s.minimum ?? -1000000;
    const max = s.maximum ?? 1000000;
    const decimals = s['x-max-decimals'];
    if (decimals !== undefined) {
      const scale = 10 ** decimals;
      const lo = Math.ceil(min * scale);
      const hi = Math.floor(max * scale);
      return fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: lo, max: Math.min(hi, lo + 100000) }) },
        { weight: 1, arbitrary: fc.integer({ min: lo, max: hi }) },
      ).map((n) => n / scale);
    }
    return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  }

  #string(s, ctx) {
    if (s.format === 'binary' || s.contentMediaType) return this.file();
    const minLength = s.minLength ?? 0;
    const maxLength = Math.min(s.maxLength ?? MAX_TEXT, Math.max(minLength, MAX_TEXT));
    const fits = (v) => [...v].length >= minLength && [...v].length <= (s.maxLength ?? Infinity);
    if (s.pattern) return fc.stringMatching(new RegExp(s.pattern, 'u')).filter(fits);
    switch (s.format) {
      case 'email':
        return fc.emailAddress().filter((v) => v.length <= (s.maxLength ?? 254));
      case 'date':
        return fc.date({ min: new Date('1990-01-01'), max: new Date('2060-12-31'), noInvalidDate: true }).map(toDate);
      case 'date-time':
        return fc.date({ min: new Date('1990-01-01'), max: new Date('2060-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
      case 'uri':
        return fc.webUrl();
      default:
        // Header values travel as Latin-1 text: printable ASCII only.
        if (ctx.where === 'header') return fc.string({ minLength, maxLength, unit: 'grapheme-ascii' });
        return fc.oneof(
          { weight: 4, arbitrary: fc.string({ minLength, maxLength, unit: 'grapheme-ascii' }) },
          { weight: 1, arbitrary: fc.string({ minLength, maxLength, unit: 'binary' }) },
        );
    }
  }

  // Candidate replacements that break the schema (the caller keeps those the schema refuses).
  // `wire` is how the value travels: 'json' keeps types; 'text' (forms, query, headers, paths)
  // sends everything as a string.
  invalidValues(schema, wire) {
    const s = flatten(this.doc, schema);
    const parts = [s, ...(s.oneOf ?? s.anyOf ?? []).map((b) => flatten(this.doc, b))];
    const out = [];
    const add = (value, why) => out.push({ value, why });
    for (const p of parts) {
      if (p.minimum !== undefined) add(p.minimum - 1, `below minimum ${p.minimum}`);
      if (p.maximum !== undefined) add(p.maximum + 1, `above maximum ${p.maximum}`);
      if (p.maxLength !== undefined) add('x'.repeat(p.maxLength + 1), `longer than ${p.maxLength}`);
      if (p.minLength) add('', `shorter than ${p.minLength}`);
      if (p.enum || p.const !== undefined) add('no-such-value', 'not one of the enum values');
      if (p.pattern) add('not valid!', `not matching ${p.pattern}`);
      if (p.format === 'email') add('not-an-email', 'not an email');
      if (p.format === 'date') add('2026-13-45', 'not a date');
      const types = typesOf(p);
      if (types.includes('integer')) add(1.5, 'not an integer');
      if (types.includes('integer') || types.includes('number')) add('abc', 'not a number');
      if (p['x-max-decimals'] !== undefined) add(1 / 3 + 1, `more than ${p['x-max-decimals']} decimals`);
    }
    if (wire === 'json') {
      const allowed = new Set(parts.flatMap(typesOf));
      if (allowed.has('integer')) allowed.add('number');
      for (const t of ALL_TYPES) {
        // null counts as absent on the server: not a wrong type to send.
        if (t === 'null' || allowed.has(t) || (t === 'integer' && allowed.has('number'))) continue;
        add({ string: 'text', integer: 12345, number: 12.5, boolean: true, object: { x: 1 }, array: ['x'] }[t], `a ${t}`);
      }
    }
    return out;
  }
}

// A form field, query parameter or header as the server reads it: digits become numbers where
// the schema wants a number.
export function fromText(text, schema, doc) {
  const s = flatten(doc, schema);
  const types = [s, ...(s.oneOf ?? s.anyOf ?? [])].flatMap((p) => typesOf(flatten(doc, p)));
  if ((types.includes('integer') || types.includes('number')) && !types.includes('string') &&
      /^-?(0|[1-9]\d*)(\.\d+)?$/.test(text)) return Number(text);
  if (types.includes('boolean') && !types.includes('string') && /^(true|false)$/.test(text)) return text === 'true';
  return text;
}
