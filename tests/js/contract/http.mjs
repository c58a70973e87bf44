// A small HTTP client over node:http (keep-alive, raw bodies, every header as sent), multipart
// bodies, and tiny pictures to upload.
import http from 'node:http';
import { deflateSync } from 'node:zlib';

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

// → {status, headers (lower-case names; set-cookie an array), body (Buffer), text}
// The path goes out exactly as given: no dot-segment removal, no re-encoding (new URL() would
// turn "/media/%2e%2e/metrics" into "/metrics" before it left).
export function send(baseUrl, { method, path, headers = {}, body }) {
  const url = new URL(baseUrl);
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
  const h = { ...headers };
  if (payload !== undefined) h['Content-Length'] = String(payload.length);
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent, method, hostname: url.hostname, port: url.port, path, headers: h,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({ status: res.statusCode, headers: res.headers, body: buf, text: buf.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.setTimeout(30000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export function closeConnections() {
  agent.destroy();
}

// {fields: {name: string}, files: {name: {data, filename, type}}} → {contentType, body}
export function multipart(fields = {}, files = {}, boundary = 'contract-boundary-7d1f0a') {
  const parts = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`));
    parts.push(Buffer.from(String(value)));
    parts.push(Buffer.from('\r\n'));
  }
  for (const [name, file] of Object.entries(files)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; ` +
                           `filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`));
    parts.push(file.data);
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

// A valid RGB PNG of width × height in one colour.
export function png(width, height, [r, g, b] = [200, 40, 40]) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// A shell command that sends the same request, for a failure report.
export function curlFor(baseUrl, req, redact) {
  const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
  const parts = ['curl -si --path-as-is', '-X', req.method];
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    if (k.toLowerCase() === 'content-length') continue;
    parts.push('-H', q(`${k}: ${redact(k, v)}`));
  }
  if (req.body !== undefined) {
    const b = Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
    const printable = /^[\x20-\x7e\r\n\t]*$/.test(b.toString('latin1'));
    if (printable && b.length <= 2000) parts.push('--data-binary', q(b.toString('latin1')));
    else parts.push('--data-binary', `@body.bin  # ${b.length} bytes`);
  }
  parts.push(q(baseUrl.replace(/\/$/, '') + req.path));
  return parts.join(' ');
}
