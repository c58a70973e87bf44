// The OpenAPI document as the contract tests use it: its operations (path-level parameters
// merged in), $ref resolution, and validation of bodies and headers against its schemas with
// Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1).
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const Ajv2020 = Ajv2020Module.default ?? Ajv2020Module;
const addFormats = addFormatsModule.default ?? addFormatsModule;

export const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];
const DOC_ID = 'https://shopd.test/openapi.json';

// "#/components/schemas/Product" → the object it names.
export function resolvePointer(doc, pointer) {
  if (!pointer.startsWith('#')) throw new Error(`only local $refs are supported: ${pointer}`);
  let node = doc;
  for (const raw of pointer.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node == null || !(key in node)) throw new Error(`unresolved $ref ${pointer}`);
    node = node[key];
  }
  return node;
}

// Follows $ref until an object without one (parameters, responses, headers, schemas).
export function deref(doc, node) {
  let seen = 0;
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    if (++seen > 32) throw new Error(`$ref loop at ${node.$ref}`);
    node = resolvePointer(doc, node.$ref);
  }
  return node;
}

export function escapePointer(key) {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

// Every operation: {id, method, path, operation, parameters (resolved), pointer}.
export function listOperations(doc) {
  const out = [];
  for (const [path, rawItem] of Object.entries(doc.paths ?? {})) {
    const item = deref(doc, rawItem);
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const byKey = new Map();
      for (const p of [...(item.parameters ?? []), ...(operation.parameters ?? [])]) {
        const param = deref(doc, p);
        byKey.set(`${param.in}:${param.name}`, param);
      }
      out.push({
        id: operation.operationId ?? `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        operation,
        parameters: [...byKey.values()],
        pointer: `#/paths/${escapePointer(path)}/${method}`,
        security: operation.security ?? doc.security ?? [],
      });
    }
  }
  return out;
}

// The number of decimals of a number as JSON writes it (String() gives the shortest form).
export function decimalsOf(x) {
  const s = String(Math.abs(x));
  if (/e/i.test(s)) {
    const [mantissa, exponent] = s.split(/e/i);
    const frac = (mantissa.split('.')[1] ?? '').length;
    return Math.max(0, frac - Number(exponent));
  }
  return (s.split('.')[1] ?? '').length;
}

export function makeValidator(doc) {
  const ajv = new Ajv2020({
    strict: false, // the document has OpenAPI keywords around its schemas
    allErrors: true,
    validateFormats: true,
    discriminator: false,
  });
  addFormats(ajv);
  // OpenAPI's own formats: annotations only.
  for (const f of ['binary', 'password', 'byte', 'int32', 'int64', 'float', 'double']) {
    ajv.addFormat(f, true);
  }
  ajv.addKeyword({
    keyword: 'x-max-decimals',
    type: 'number',
    schemaType: 'number',
    errors: false,
    validate: (max, data) => decimalsOf(data) <= max,
  });
  ajv.addSchema(doc, DOC_ID);
  const compiled = new Map();
  const compile = (pointer) => {
    let v = compiled.get(pointer);
    if (!v) {
      v = ajv.compile({ $ref: `${DOC_ID}${pointer}` });
      compiled.set(pointer, v);
    }
    return v;
  };
  // A schema object taken out of the document: its local $refs made absolute.
  const absolute = (node) => {
    if (Array.isArray(node)) return node.map(absolute);
    if (!node || typeof node !== 'object') return node;
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#') ? `${DOC_ID}${v}` : absolute(v);
    }
    return out;
  };
  const byText = new Map();
  const report = (v) => (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}${
    e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''} [${e.schemaPath}]`);
  return {
    // Validates data against a schema object of the document → null or a list of errors.
    validateValue(schema, data) {
      const key = JSON.stringify(schema ?? {});
      let v = byText.get(key);
      if (!v) {
        v = ajv.compile(absolute(schema ?? {}));
        byText.set(key, v);
      }
      return v(data) ? null : report(v);
    },
    // Validates data against the schema at pointer ("#/paths/...") → null or a list of errors.
    validate(pointer, data) {
      const v = compile(pointer);
      return v(data) ? null : report(v);
    },
  };
}

// A header value as its schema's type wants it ("12" → 12 for integers), for validation.
export function coerceHeader(value, schema) {
  const types = [schema?.type].flat().filter(Boolean);
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(value)) {
    return Number(value);
  }
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

// "application/json; charset=utf-8" → "application/json".
export function essence(contentType) {
  return String(contentType ?? '').split(';')[0].trim().toLowerCase();
}

// Does a response's media type match one of the documented keys (which may be "image/*")?
export function matchMediaType(actual, keys) {
  const a = essence(actual);
  for (const key of keys) {
    const k = essence(key);
    if (k === a || k === '*/*') return key;
    if (k.endsWith('/*') && a.startsWith(k.slice(0, -1))) return key;
  }
  return null;
}

export function isJsonType(type) {
  const t = essence(type);
  return t === 'application/json' || (t.startsWith('application/') && t.endsWith('+json'));
}
