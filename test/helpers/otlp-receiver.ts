/**
 * An OpenTelemetry collector's trace intake, in process: `POST /v1/traces` with OTLP/HTTP in
 * protobuf (the exporters' default) or JSON, answered 200 as a collector does; every span kept.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// The generated protobuf classes of the OTLP exporter's own transformer: the schema it writes.
import otlpProtobuf from '@opentelemetry/otlp-transformer/build/src/generated/root';

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
}

export interface OtlpReceiver {
  /** The base endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  endpoint: string;
  spans: ReceivedSpan[];
  /** Content types of the export requests received. */
  contentTypes: string[];
  close(): Promise<void>;
}

/** A static protobufjs module (the .d.ts types it as a reflection Root, which it is not). */
const ExportTraceServiceRequest = (
  otlpProtobuf as unknown as {
    opentelemetry: {
      proto: {
        collector: { trace: { v1: { ExportTraceServiceRequest: { decode(body: Uint8Array): unknown } } } };
      };
    };
  }
).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** The request, as JSON (ids in hex) or decoded from protobuf (ids as bytes). */
interface OtlpJson {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId: string | Uint8Array;
        spanId: string | Uint8Array;
        parentSpanId?: string | Uint8Array;
        name: string;
        attributes?: OtlpAttribute[];
      }>;
    }>;
  }>;
}
interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = req.headers['content-type'] ?? '';
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      contentTypes.push(contentType);
      const request = contentType.includes('json')
        ? (JSON.parse(body.toString('utf8')) as OtlpJson)
        : (ExportTraceServiceRequest.decode(body) as unknown as OtlpJson);
      spans.push(...flatten(request));
      res.writeHead(200, { 'content-type': contentType }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    contentTypes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function flatten(request: OtlpJson): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? '');
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        service,
        traceId: hex(span.traceId),
        spanId: hex(span.spanId),
        parentSpanId: hex(span.parentSpanId ?? ''),
        name: span.name,
        attributes: attributesOf(span.attributes),
      })),
    );
  });
}

function hex(id: string | Uint8Array): string {
  return typeof id === 'string' ? id : Buffer.from(id).toString('hex');
}

function attributesOf(attributes: OtlpAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, Object.values(value ?? {})[0]]));
}
