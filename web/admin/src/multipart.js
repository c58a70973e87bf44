// multipart/form-data written by hand. A browser's FormData turns every line break of a text
// field into CRLF (HTML's form encoding rules), so a description typed with plain line breaks
// would be stored with CRLF; these bytes keep the text exactly as typed.

const encoder = new TextEncoder();

// Quotes a field or file name as browsers do: '"' → %22, CR → %0D, LF → %0A.
const quoted = (name) => `"${String(name).replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}"`;

function randomBoundary() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `----shopd${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

// fields: [[name, text]]; file: {name, blob} or null. → {body: Blob, contentType}
export function multipartBody(fields, file) {
  const boundary = randomBoundary();
  const parts = [];
  for (const [name, value] of fields) {
    parts.push(encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name=${quoted(name)}\r\n\r\n`),
      encoder.encode(String(value)), encoder.encode('\r\n'));
  }
  if (file) {
    const type = file.blob.type || 'application/octet-stream';
    parts.push(encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name=${quoted(file.field)}; ` +
      `filename=${quoted(file.name)}\r\nContent-Type: ${type}\r\n\r\n`), file.blob, encoder.encode('\r\n'));
  }
  parts.push(encoder.encode(`--${boundary}--\r\n`));
  return { body: new Blob(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
