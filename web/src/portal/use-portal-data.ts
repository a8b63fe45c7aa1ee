// The home screen's data: consent requests, live grants, support contacts, notices and
// protections, each loaded on its own (one failing does not blank the others), loaded again
// when a consent event arrives on the live stream, and grants polled while any is live (their
// single use by the agent sends no event to the customer).
import { useCallback, useEffect } from 'react';
import { useLoad, type Loaded } from '../common/use-load';
import { portalApi, type ConsentRequest, type CustomerGrant, type Notice, type Protections, type SupportContacts } from './api';
import { useConsentEvents } from './portal-session';

const GRANT_POLL_MS = 4000;

export interface PortalData {
  readonly consents: Loaded<readonly ConsentRequest[]>;
  readonly grants: Loaded<readonly CustomerGrant[]>;
  readonly contacts: Loaded<SupportContacts>;
  readonly notices: Loaded<readonly Notice[]>;
  readonly protections: Loaded<Protections>;
  /** Loads consents and grants again (after an answer or a revoke). */
  reloadAccess(): Promise<void>;
}

/** Loads the home screen's data and keeps it current with the consent stream. */
export function usePortalData(): PortalData {
  const consents = useLoad(() => portalApi.consents().then((r) => r.requests), []);
  const grants = useLoad(() => portalApi.grants().then((r) => r.grants), []);
  const contacts = useLoad(() => portalApi.contacts(), []);
  const notices = useLoad(() => portalApi.notices().then((r) => r.notices), []);
  const protections = useLoad(() => portalApi.protections(), []);
  const reloadAccess = useCallback(async () => {
    await Promise.all([consents.reload(), grants.reload()]);
  }, [consents.reload, grants.reload]);
  const live = (grants.data?.length ?? 0) > 0;
  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => void grants.reload(), GRANT_POLL_MS);
    return () => clearInterval(t);
  }, [live, grants.reload]);
  useConsentEvents(() => {
    void reloadAccess();
    void contacts.reload();
  });
  return { consents, grants, contacts, notices, protections, reloadAccess };
}
