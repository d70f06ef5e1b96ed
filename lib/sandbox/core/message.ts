// The text a code would reach the user with, as the sandbox shows it (onCode, latestDelivery(), the
// CLI). Both APIs' states build it here, so the formats that browsers and phones parse are written
// once:
//   WebOTP (Prelude V2 `app_realm` web): the last line is `@<domain> #<code>`, the form Chrome
//     reads to offer the code on a page of that origin (WICG "origin-bound one-time codes").
//   SMS Retriever (`app_realm` android, both APIs): the 11-character app hash on the last line.
//   A call (`method: voice`) reads the digits out one by one; no realm line can apply to speech.

/** Where a message is bound, when the request asked for one. */
export type MessageRealm = { platform: 'web' | 'android'; value: string } | undefined;

export function deliveryMessage(code: string, channel: string, realm: MessageRealm): string {
  if (channel === 'voice') return `Your verification code is ${code.split('').join(' ')}.`;
  const text = `Your verification code is ${code}.`;
  if (realm?.platform === 'web') return `${text}\n\n@${realm.value} #${code}`;
  if (realm?.platform === 'android') return `${text}\n\n${realm.value}`;
  return text;
}
