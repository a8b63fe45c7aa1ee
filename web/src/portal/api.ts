// The customer portal's view of the API (src/server/routes/customer.ts and routes/log.ts are
// the source of truth; these mirror their answers) and the calls the portal makes. JSON goes
// through the console's client; the log's text endpoints (checkpoint, verifier key) are read
// here as text.
import { fetchText } from '../api/fetch-text';
import { get, post, put } from '../api/client';

/** GET /v1/customer/me. `serverTime` corrects countdowns to the server's clock. */
export interface CustomerMe {
  readonly id: string;
  readonly accountId: string;
  readonly jurisdiction: string;
  readonly passkeys: number;
  readonly locked: boolean;
  readonly serverTime: string;
}

/** One access receipt; `leaf` is the exact RFC 8785 JSON the log hashed (null while pending). */
export interface Receipt {
  readonly seq: number | null;
  readonly leaf: string | null;
  readonly time: string;
  readonly action: string;
  readonly decision: 'allow' | 'deny';
  readonly ticketId: string | null;
  readonly purpose: string | null;
  readonly fields: Readonly<Record<string, string>>;
  readonly breakGlass: boolean;
  readonly byCustomer: boolean;
  readonly agent: { readonly pseudonym: string; readonly team: string; readonly vendor: string } | null;
  /** For a value shown through a grant: who approved it (from the server, not the leaf). */
  readonly approvedBy?: 'customer' | 'staff' | 'customer_and_staff' | null;
  /** A verify's outcome; a protection's kind and hours (the server's reading of the record). */
  readonly matched?: boolean | null;
  readonly protectionKind?: string | null;
  readonly hours?: number | null;
}

/** A reveal waiting for the customer's answer (expires 10 minutes after `createdAt`). */
export interface ConsentRequest {
  readonly id: string;
  readonly ticketId: string;
  readonly fields: readonly string[];
  readonly reason: string;
  readonly supervisorApproved: boolean;
  readonly createdAt: string;
  readonly expiresAt: string;
}

/** A live grant on the customer's data. */
export interface CustomerGrant {
  readonly id: string;
  readonly ticketId: string;
  readonly fields: readonly string[];
  readonly expiresAt: string;
  /** When the agent was shown the value (null: not yet used). */
  readonly shownAt: string | null;
}

/** An open ticket with the assigned agent's pseudonym and the contact code their desk shows. */
export interface SupportContact {
  readonly ticketId: string;
  readonly channel: string;
  readonly subject: string;
  readonly openedAt: string;
  readonly agentPseudonym: string | null;
  readonly contactCode: string | null;
}

/** A contact that is no longer from support: its agent was suspended. */
export interface WithdrawnContact {
  readonly ticketId: string;
  readonly agentPseudonym: string;
  readonly contactCode: string | null;
  readonly withdrawnAt: string;
}

export interface SupportContacts {
  readonly contacts: readonly SupportContact[];
  readonly withdrawn: readonly WithdrawnContact[];
  readonly supportNeverAsks: readonly string[];
}

export interface CheckupItem {
  readonly id: string;
  readonly status: 'good' | 'fair' | 'weak';
  readonly summary: string;
  readonly recommendation: string | null;
}

export interface Checkup {
  readonly score: number;
  readonly items: readonly CheckupItem[];
}

export interface Notice {
  readonly id: string;
  readonly kind: string;
  readonly body: string;
  readonly createdAt: string;
  readonly read: boolean;
}

export interface Protections {
  readonly banner: string | null;
  readonly measures: readonly { readonly kind: string; readonly text: string; readonly since: string; readonly hours: number | null }[];
  readonly advice: readonly { readonly topic: string; readonly title: string; readonly text: string }[];
}

export interface DemoCustomer {
  readonly id: string;
  readonly accountId: string;
  readonly jurisdiction: string;
}

/** An inclusion proof as /v1/log/proofs/inclusion answers it (hashes in standard base64). */
export interface InclusionAnswer {
  readonly index: number;
  readonly size: number;
  readonly leafHash: string;
  readonly proof: readonly string[];
}

/** A consistency proof as /v1/log/proofs/consistency answers it. */
export interface ConsistencyAnswer {
  readonly from: number;
  readonly to: number;
  readonly proof: readonly string[];
}

/** GET /v1/log/witnesses: the witnesses whose cosignatures the served checkpoint carries. */
export interface LogWitnesses {
  readonly quorum: number;
  readonly witnesses: readonly { readonly name: string; readonly vkey: string; readonly url: string }[];
}

/** GET `url` as text (the log's note formats). @throws ApiError as the JSON calls do. */
async function getText(url: string): Promise<string> {
  return (await fetchText(url)).text;
}

const id = encodeURIComponent;

/** Every call of the portal, by name. */
export const portalApi = {
  me: () => get<CustomerMe>('/v1/customer/me'),
  logout: () => post<void>('/v1/customer/logout'),
  demoCustomers: () => get<{ customers: DemoCustomer[] }>('/v1/customer/demo/customers'),
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
