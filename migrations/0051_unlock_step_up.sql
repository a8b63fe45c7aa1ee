-- Issue 14 item 2: lifting the privacy lock needs a passkey step-up when the customer has a
-- passkey; its WebAuthn challenge has its own purpose, bound to the customer.
alter table webauthn_challenges drop constraint webauthn_challenges_purpose_check;
alter table webauthn_challenges add constraint webauthn_challenges_purpose_check
  check (purpose in ('register', 'authenticate', 'consent', 'unlock'));
