import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces go into a payload (`encodedAttributes`), which the payload
 * codec encrypts like any other, instead of sitting in clear in the history ("Encoded failure"
 * is all the server stores). Decoding needs no option: every SDK converter reads them back.
 *
 * Loaded by path (`dataConverter.failureConverterPath`, see data-converter.ts): by the worker for
 * activity failures, by the workflow bundler for failures raised in workflow code (dev bundles and
 * the prebuilt production bundle alike), and by clients. So it imports nothing but the SDK.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
