/** A webhook signed with the sandbox's CryptoToken, as ConnectPSP would send it, posted to a relay. */
import { webhookSignature } from '../../domain/connectpsp/signatures';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';

/** Posts `{eventType, eventAt: now, data}` signed to `webhookUrl`; answers the relay's HTTP status. */
export async function postSignedEvent(webhookUrl: string, eventType: string, data: unknown): Promise<number> {
  const body = JSON.stringify({ eventType, eventAt: new Date().toISOString(), data });
  const response = await fetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-connect-signature': webhookSignature(body, SANDBOX_CREDENTIALS.cryptoToken),
    },
    body,
  });
  return response.status;
}
