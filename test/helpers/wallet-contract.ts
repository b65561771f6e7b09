/**
 * Validates a wallet service's answers against docs/platform-wallet.openapi.yaml: the response
 * schema the document gives for the operation and status, compiled by Ajv (JSON Schema 2020-12, the
 * dialect of OpenAPI 3.1) from the document itself, so the tests check the same contract Redocly lints.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../runtime/project-root';

type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, Ref | ResponseObject> }>>;
} & Record<string, unknown>;
type Ref = { $ref: string };
type ResponseObject = { content?: Record<string, { schema: Ref }> };

const CONTRACT_ID = 'platform-wallet';

export function walletContract() {
  const doc = parse(
    readFileSync(path.join(PROJECT_ROOT, 'docs', 'platform-wallet.openapi.yaml'), 'utf8'),
  ) as Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(doc, CONTRACT_ID);
  const resolve = <T>(value: T | Ref): T => {
    if (typeof value !== 'object' || value === null || !('$ref' in value)) return value as T;
    const pointer = value.$ref.replace(/^#\//, '').split('/');
    return pointer.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], doc) as T;
  };

  return {
    /** Throws naming every violation when `body` is not what the contract answers for this operation and status. */
    expectAnswer(
      method: string,
      pathTemplate: string,
      answer: { status: number; contentType: string; body: unknown },
    ): void {
      const operation = doc.paths[pathTemplate]?.[method.toLowerCase()];
      if (!operation) throw new Error(`the contract has no ${method} ${pathTemplate}`);
      const declared = operation.responses[String(answer.status)];
      if (!declared)
        throw new Error(`${method} ${pathTemplate}: status ${answer.status} is not in the contract`);
      const mediaType = answer.contentType.split(';')[0]?.trim() ?? '';
      const media = resolve<ResponseObject>(declared).content?.[mediaType];
      if (!media)
        throw new Error(`${method} ${pathTemplate} ${answer.status}: no ${mediaType} in the contract`);
      const validate = ajv.getSchema(`${CONTRACT_ID}${media.schema.$ref}`);
      if (!validate) throw new Error(`cannot compile ${media.schema.$ref}`);
      if (!validate(answer.body)) {
        throw new Error(
          `${method} ${pathTemplate} ${answer.status} breaks the contract: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(answer.body)}`,
        );
      }
    },
  };
}
