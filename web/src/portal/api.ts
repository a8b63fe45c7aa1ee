// The customer portal's view of the API — short names for types generated from the server's
// OpenAPI document (web/src/api/schema.d.ts, `npm run gen:api`) — and the calls the portal makes. JSON goes
// through the console's client; the log's text endpoints (checkpoint, verifier key) are read
// here as text.
import { fetchText } from '../api/fetch-text';
import { get, post, put, query } from '../api/client';
import type { Item, ResponseBody } from '../api/wire';

/** GET /v1/customer/me. `serverTime` corrects countdowns to the server's clock. */
export type CustomerMe = ResponseBody<'/v1/customer/me', 'get'>;

/** One access receipt; `leaf` is the exact RFC 8785 JSON the log hashed (null while pending);
 *  `approvedBy`, `matched`, `protectionKind` and `hours` are the server's reading of the record. */
export type Receipt = Item<ResponseBody<'/v1/customer/receipts', 'get'>['receipts']>;

/** A reveal waiting for the customer's answer (expires 10 minutes after `createdAt`). */
export type ConsentRequest = Item<ResponseBody<'/v1/customer/consents', 'get'>['requests']>;

/** A live grant on the customer's data; `shownAt` null: not yet used. */
export type CustomerGrant = Item<ResponseBody<'/v1/customer/grants', 'get'>['grants']>;

/** Open tickets with the assigned agent's pseudonym and contact code, and contacts withdrawn
 *  (the agent was suspended: no longer from support). */
export type SupportContacts = ResponseBody<'/v1/customer/support-contacts', 'get'>;
export type SupportContact = Item<SupportContacts['contacts']>;
export type WithdrawnContact = Item<SupportContacts['withdrawn']>;

export type Checkup = ResponseBody<'/v1/customer/checkup', 'get'>;
export type CheckupItem = Item<Checkup['items']>;

export type Notice = Item<ResponseBody<'/v1/customer/notices', 'get'>['notices']>;

export type Protections = ResponseBody<'/v1/customer/protections', 'get'>;

export type DemoCustomer = Item<ResponseBody<'/v1/customer/demo/customers', 'get'>['customers']>;

/** An inclusion proof as /v1/log/proofs/inclusion answers it (hashes in standard base64). */
export type InclusionAnswer = ResponseBody<'/v1/log/proofs/inclusion', 'get'>;

/** A consistency proof as /v1/log/proofs/consistency answers it. */
export type ConsistencyAnswer = ResponseBody<'/v1/log/proofs/consistency', 'get'>;

/** GET /v1/log/witnesses: the witnesses whose cosignatures the served checkpoint carries. */
export type LogWitnesses = ResponseBody<'/v1/log/witnesses', 'get'>;

/** GET `url` as text (the log's note formats). @throws ApiError as the JSON calls do. */
async function getText(url: string): Promise<string> {
  return (await fetchText(url)).text;
}

const id = encodeURIComponent;

/** Every call of the portal, by name. */
export const portalApi = {
  me: () => get<CustomerMe>('/v1/customer/me'),
  logout: () => post<void>('/v1/customer/logout'),
  demoCustomers: (q = '') => get<{ customers: DemoCustomer[] }>(`/v1/customer/demo/customers${query({ q })}`),
  demoLogin: (customerId: string) => post<{ customerId: string }>('/v1/customer/demo/login', { customerId }),
  loginOptions: () => post<unknown>('/v1/customer/passkeys/login/options'),
  loginVerify: (assertion: unknown) => post<{ customerId: string }>('/v1/customer/passkeys/login/verify', assertion),
  registerOptions: () => post<unknown>('/v1/customer/passkeys/register/options'),
  registerVerify: (attestation: unknown) => post<{ credentialId: string }>('/v1/customer/passkeys/register/verify', attestation),
  receipts: () => get<{ receipts: Receipt[] }>('/v1/customer/receipts?limit=200'),
  consents: () => get<{ requests: ConsentRequest[] }>('/v1/customer/consents'),
  consentOptions: (requestId: string) => post<unknown>(`/v1/customer/consents/${id(requestId)}/options`),
  approve: (requestId: string, assertion: unknown, durationMinutes: number) =>
    post<unknown>(`/v1/customer/consents/${id(requestId)}/approve`, { assertion, durationMinutes }),
  deny: (requestId: string) => post<unknown>(`/v1/customer/consents/${id(requestId)}/deny`),
  grants: () => get<{ grants: CustomerGrant[] }>('/v1/customer/grants'),
  revoke: (grantId: string) => post<void>(`/v1/customer/grants/${id(grantId)}/revoke`),
  lock: (locked: boolean, assertion?: unknown) => put<{ lockedAt: string | null }>('/v1/customer/lock', assertion === undefined ? { locked } : { locked, assertion }),
  unlockOptions: () => post<unknown>('/v1/customer/lock/options'),
  contacts: () => get<SupportContacts>('/v1/customer/support-contacts'),
  checkup: () => get<Checkup>('/v1/customer/checkup'),
  notices: () => get<{ notices: Notice[] }>('/v1/customer/notices'),
  protections: () => get<Protections>('/v1/customer/protections'),
  logVkey: () => getText('/v1/log/vkey'),
  logCheckpoint: () => getText('/v1/log/checkpoint'),
  inclusion: (index: number, size: number) => get<InclusionAnswer>(`/v1/log/proofs/inclusion?index=${index}&size=${size}`),
  consistency: (from: number, to: number) => get<ConsistencyAnswer>(`/v1/log/proofs/consistency?from=${from}&to=${to}`),
  logWitnesses: () => get<LogWitnesses>('/v1/log/witnesses'),
};
