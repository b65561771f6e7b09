import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../runtime/config';
import { otlpHeaders, startTracing, temporalClientInterceptors } from '../../runtime/tracing';
import { paymentReferenceOf } from '../../workflows/log-context-interceptors';

describe('tracing configuration (the standard OpenTelemetry variables)', () => {
  it('is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: nothing exported, no client interceptor', async () => {
    const config = parseConfig({});
    const tracing = startTracing(config, 'pix-test');
    expect(tracing.enabled).toBe(false);
    expect(tracing.resource.attributes['service.name']).toBe('pix-test');
    expect(temporalClientInterceptors(config)).toEqual([]);
    await tracing.shutdown();
    expect(
      temporalClientInterceptors(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })),
    ).toHaveLength(1);
  });

  it('refuses what it cannot send, naming the variable and the rule', () => {
    expect(() =>
      parseConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_HEADERS: 'no-equals-sign',
        OTEL_BSP_SCHEDULE_DELAY: '0',
      }),
    ).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: must be an http\(s\) URL[\s\S]*OTEL_EXPORTER_OTLP_PROTOCOL: must be http\/protobuf or http\/json \(grpc is not supported\)[\s\S]*OTEL_EXPORTER_OTLP_HEADERS: must be comma-separated key=value pairs[\s\S]*OTEL_BSP_SCHEDULE_DELAY: must be > 0/,
    );
  });

  it('reads OTEL_EXPORTER_OTLP_HEADERS as the specification writes it (values percent-encoded)', () => {
    expect(otlpHeaders('api-key=abc%3D%3D, x-tenant = payments')).toEqual({
      'api-key': 'abc==',
      'x-tenant': 'payments',
    });
    expect(otlpHeaders(undefined)).toEqual({});
  });

  it("the OTLP headers (a vendor's API key) are a secret: never printed in a configuration error", () => {
    expect(() =>
      parseConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s3cr3t', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cr3t') }));
  });
});

describe('log context', () => {
  it('the payment reference of a lifecycle workflow id; none for other workflows', () => {
    expect(paymentReferenceOf('cash-in:order-1001')).toBe('order-1001');
    expect(paymentReferenceOf('cash-out:payout:2001')).toBe('payout:2001');
    expect(paymentReferenceOf('rebalance:payments')).toBeUndefined();
    expect(paymentReferenceOf('parked:tx-1:CASHIN_PAID')).toBeUndefined();
  });
});
