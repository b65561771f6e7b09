import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import {
  formatHits,
  outputSources,
  personNeedles,
  rawText,
  type ScanSource,
  scanForLeaks,
  secretNeedles,
} from '../helpers/secret-scan';

// The scan must be able to fail: each needle is found where it is, in each form it takes.
describe('secret and PII scan helper', () => {
  const needles = [
    ...secretNeedles({ 'the client secret': '6f1c2b7e-9a3d-4c5e', 'the CryptoToken': 'crypto-token-xyz' }),
    ...personNeedles([
      { name: 'Ana Souza', document: '529.982.247-25', pixKeys: ['Ana.Souza@Example.com'] },
      { name: 'Bruno Lima', document: '11222333000181', pixKeys: ['(11) 98765-4321'] },
    ]),
  ];
  const hitsIn = (text: string, forbid?: ScanSource['forbid']) =>
    scanForLeaks([{ name: 'x', text, ...(forbid ? { forbid } : {}) }], needles).map((h) => h.needle);

  it.each([
    ['a raw CPF', '{"document":"52998224725"}', 'document of AS'],
    ['a formatted CPF', 'payer 529.982.247-25', 'formatted document of AS'],
    ['a formatted CNPJ', 'payee 11.222.333/0001-81', 'formatted document of BL'],
    ['a name in another case', 'PAYER ANA SOUZA', 'name of AS'],
    ['a PIX e-mail as typed', 'key Ana.Souza@Example.com', 'PIX key of AS'],
    ['a PIX e-mail normalised', 'key ana.souza@example.com', 'PIX key of AS'],
    ['a PIX phone normalised', '"pixKey":"+5511987654321"', 'PIX key of BL'],
    ['a secret', 'clientSecret=6f1c2b7e-9a3d-4c5e', 'the client secret'],
    [
      'a JWT',
      'authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMDAwMDAxIn0.c2lnbmF0dXJlLWJ5dGVzLWhlcmU',
      'a JWT',
    ],
  ])('finds %s', (_name, text, needle) => {
    expect(hitsIn(text)).toContain(needle);
  });

  it('does not flag masked forms, nor bytes it cannot read', () => {
    expect(hitsIn('payer ***.982.247-** Ana S***, key a***@example.com')).toEqual([]);
    expect(hitsIn(rawText({ data: new Uint8Array([0xc3, 0x28, 0xa0, 0xa1]) }))).toEqual([]);
  });

  it('reads byte fields of protobuf messages as text, not as their base64 toJSON', () => {
    const message = temporal.api.common.v1.Payload.create({
      data: new TextEncoder().encode('{"name":"Ana Souza"}'),
    });
    expect(JSON.stringify(message)).not.toContain('Ana Souza'); // what a naive scan would read
    expect(hitsIn(rawText({ payloads: [message] }))).toContain('name of AS');
  });

  it('reads byte fields of plain objects as text', () => {
    const payload = {
      metadata: { encoding: new TextEncoder().encode('json/plain') },
      data: new TextEncoder().encode('{"name":"Ana Souza"}'),
    };
    expect(hitsIn(rawText({ events: [{ input: { payloads: [payload] } }] }))).toContain('name of AS');
  });

  it('lets a source allow personal data (decoded payloads, operator output) but never a secret', () => {
    expect(hitsIn('Ana Souza 52998224725 crypto-token-xyz', ['secret'])).toEqual(['the CryptoToken']);
    const [output] = outputSources({ 'pix status': 'to PIX key Ana.Souza@Example.com, Ana Souza' });
    expect(scanForLeaks([output as ScanSource], needles).map((h) => h.needle)).toEqual(['name of AS']);
  });

  it('reports where, never the value', () => {
    const [line] = formatHits(
      scanForLeaks([{ name: 'log worker.log', text: 'x crypto-token-xyz y' }], needles),
    );
    expect(line).toBe('secret "the CryptoToken" in log worker.log: …x [16 characters] y…');
  });

  it('refuses secrets too short to scan for', () => {
    expect(() => secretNeedles({ short: 'abc' })).toThrow(/too short/);
  });
});
