/**
 * `crypto.x509.*` host builtins on Node's X509Certificate (looked up at run time with
 * `process.getBuiltinModule`, so browser bundles stay clean; undefined in browsers). Certificates are returned
 * with the commonly used fields of Go's `x509.Certificate` JSON form (Subject, Issuer, SerialNumber, NotBefore,
 * NotAfter, DNSNames, EmailAddresses, IPAddresses, URIStrings, IsCA, Version, Raw). Certificate requests are read
 * with a small DER reader (Subject only) and work everywhere.
 */
import type { HostBuiltin } from './host-builtins';

type NodeCrypto = typeof import('node:crypto');
type X509 = import('node:crypto').X509Certificate;

function nodeCrypto(): NodeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/g;

function fromBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length === 0) return undefined;
  try {
    return Uint8Array.from(atob(clean), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** DER blobs of the given PEM type, from PEM text, base64 of PEM, or base64 of (concatenated) DER. */
function derBlocks(input: string, pemType: string): Uint8Array[] | undefined {
  let text = input;
  if (!text.includes('-----BEGIN')) {
    const raw = fromBase64(text);
    if (!raw) return undefined;
    const asText = new TextDecoder().decode(raw);
    if (!asText.includes('-----BEGIN')) return splitDer(raw);
    text = asText;
  }
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    if (m[1] !== pemType) continue;
    const der = fromBase64(m[2]);
    if (!der) return undefined;
    out.push(der);
  }
  return out.length > 0 ? out : undefined;
}

/** Splits concatenated DER SEQUENCEs. */
function splitDer(bytes: Uint8Array): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] !== 0x30 || i + 2 > bytes.length) return undefined;
    let len = bytes[i + 1];
    let header = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || i + 2 + n > bytes.length) return undefined;
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + bytes[i + 2 + k];
      header += n;
    }
    const end = i + header + len;
    if (end > bytes.length) return undefined;
    out.push(bytes.slice(i, end));
    i = end;
  }
  return out.length > 0 ? out : undefined;
}

const NAME_FIELDS: Record<string, string> = {
  C: 'Country',
  O: 'Organization',
  OU: 'OrganizationalUnit',
  L: 'Locality',
  ST: 'Province',
  street: 'StreetAddress',
  postalCode: 'PostalCode',
};

function name(dn: string): Record<string, unknown> {
  const out: Record<string, unknown> = { CommonName: '', SerialNumber: '' };
  for (const field of Object.values(NAME_FIELDS)) out[field] = null;
  for (const line of dn.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'CN') out.CommonName = value;
    else if (key === 'serialNumber') out.SerialNumber = value;
    else if (NAME_FIELDS[key])
      out[NAME_FIELDS[key]] = [...((out[NAME_FIELDS[key]] as string[] | null) ?? []), value];
  }
  return out;
}

function altNames(cert: X509): Record<string, string[] | null> {
  const out: Record<string, string[]> = { DNSNames: [], EmailAddresses: [], IPAddresses: [], URIStrings: [] };
  for (const entry of (cert.subjectAltName ?? '').split(/,\s*/)) {
    const colon = entry.indexOf(':');
    if (colon < 0) continue;
    const kind = entry.slice(0, colon);
    const value = entry.slice(colon + 1).replace(/^"|"$/g, '');
    if (kind === 'DNS') out.DNSNames.push(value);
    else if (kind === 'email') out.EmailAddresses.push(value);
    else if (kind === 'IP Address') out.IPAddresses.push(value);
    else if (kind === 'URI') out.URIStrings.push(value);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.length > 0 ? v : null]));
}

const rfc3339 = (date: string): string => new Date(date).toISOString().replace('.000Z', 'Z');

function describeCert(cert: X509, der: Uint8Array): Record<string, unknown> {
  let raw = '';
  for (const b of der) raw += String.fromCharCode(b);
  return {
    Raw: btoa(raw),
    Version: 3,
    SerialNumber: Number(BigInt(`0x${cert.serialNumber}`)),
    Subject: name(cert.subject),
    Issuer: name(cert.issuer),
    NotBefore: rfc3339(cert.validFrom),
    NotAfter: rfc3339(cert.validTo),
    IsCA: cert.ca,
    ...altNames(cert),
  };
}

function parseCerts(input: unknown): { cert: X509; der: Uint8Array }[] | undefined {
  const crypto = nodeCrypto();
  if (!crypto || typeof input !== 'string') return undefined;
  const blocks = derBlocks(input, 'CERTIFICATE');
  if (!blocks) return undefined;
  try {
    return blocks.map((der) => ({ cert: new crypto.X509Certificate(der), der }));
  } catch {
    return undefined;
  }
}

function verifyChain(certs: X509[]): boolean {
  if (certs.length < 2) return false;
  const now = Date.now();
  for (let i = 0; i < certs.length; i++) {
    const c = certs[i];
    if (now < Date.parse(c.validFrom) || now > Date.parse(c.validTo)) return false;
    const issuer = certs[Math.min(i + 1, certs.length - 1)];
    if (!c.checkIssued(issuer) || !c.verify(issuer.publicKey)) return false;
    if (i > 0 && !c.ca) return false;
  }
  return true;
}

// ---- certificate signing requests (pure DER reading: works without Node too) ----------------------------

interface Der {
  tag: number;
  start: number;
  end: number;
}

function readDer(bytes: Uint8Array, at: number): Der | undefined {
  if (at + 2 > bytes.length) return undefined;
  const tag = bytes[at];
  let len = bytes[at + 1];
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || at + 2 + n > bytes.length) return undefined;
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + bytes[at + 2 + k];
    header += n;
  }
  const end = at + header + len;
  return end > bytes.length ? undefined : { tag, start: at + header, end };
}

function children(bytes: Uint8Array, node: Der): Der[] | undefined {
  const out: Der[] = [];
  for (let at = node.start; at < node.end;) {
    const child = readDer(bytes, at);
    if (!child) return undefined;
    out.push(child);
    at = child.end;
  }
  return out;
}

function oidText(bytes: Uint8Array, node: Der): string {
  const parts: number[] = [];
  let value = 0;
  for (let i = node.start; i < node.end; i++) {
    value = value * 128 + (bytes[i] & 0x7f);
    if (!(bytes[i] & 0x80)) {
      if (parts.length === 0)
        parts.push(Math.min(2, Math.floor(value / 40)), value - Math.min(2, Math.floor(value / 40)) * 40);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

const NAME_OIDS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.17': 'postalCode',
  '2.5.4.5': 'serialNumber',
};

/** The subject of a PKCS#10 request as Go's pkix.Name JSON fields. */
function parseCsr(input: unknown): Record<string, unknown> | undefined {
  if (typeof input !== 'string') return undefined;
  const der = derBlocks(input, 'CERTIFICATE REQUEST')?.[0];
  if (!der) return undefined;
  const root = readDer(der, 0);
  const info = root && root.tag === 0x30 ? children(der, root)?.[0] : undefined;
  const infoParts = info && info.tag === 0x30 ? children(der, info) : undefined;
  const subject = infoParts?.[1];
  if (!subject || subject.tag !== 0x30) return undefined;
  const lines: string[] = [];
  for (const rdn of children(der, subject) ?? []) {
    for (const atv of children(der, rdn) ?? []) {
      const [oid, value] = children(der, atv) ?? [];
      if (!oid || !value || oid.tag !== 0x06) return undefined;
      const key = NAME_OIDS[oidText(der, oid)];
      if (key) lines.push(`${key}=${new TextDecoder().decode(der.slice(value.start, value.end))}`);
    }
  }
  let raw = '';
  for (const b of der) raw += String.fromCharCode(b);
  return { Raw: btoa(raw), Version: 0, Subject: name(lines.join('\n')) };
}

export const X509_BUILTINS: Record<string, HostBuiltin> = {
  'crypto.x509.parse_certificates': (input) =>
    parseCerts(input)?.map(({ cert, der }) => describeCert(cert, der)),
  'crypto.x509.parse_and_verify_certificates': (input) => {
    // Input: root first, leaf last (OPA's convention); output: the verified chain, leaf first.
    const certs = parseCerts(input)?.reverse();
    if (!certs) return undefined;
    return verifyChain(certs.map((c) => c.cert))
      ? [true, certs.map(({ cert, der }) => describeCert(cert, der))]
      : [false, []];
  },
  'crypto.x509.parse_certificate_request': parseCsr,
  'crypto.x509.parse_rsa_private_key': (input) => {
    const crypto = nodeCrypto();
    if (!crypto || typeof input !== 'string') return undefined;
    let pem = input;
    if (!pem.includes('-----BEGIN')) {
      const raw = fromBase64(pem);
      if (!raw) return undefined;
      pem = new TextDecoder().decode(raw);
    }
    const key = crypto.createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa') return undefined;
    return key.export({ format: 'jwk' });
  },
};
