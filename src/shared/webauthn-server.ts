// @simplewebauthn/server, loaded on first use. With its ASN.1 and WebCrypto dependencies it adds
// about 30 MB of resident memory at import; an instance that serves no passkey or security-key
// ceremony never pays for it, and start-up (issue 18 part 4: RSS ≤ 200 MB) does not either.

/** The module's exports (generateRegistrationOptions, verifyAuthenticationResponse, …), imported
 *  once and then shared. @throws whatever the import throws (a broken install). */
export const webAuthnServer = (): Promise<typeof import('@simplewebauthn/server')> => import('@simplewebauthn/server');
