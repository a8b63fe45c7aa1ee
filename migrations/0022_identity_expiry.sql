-- Expired sign-in flows, WebAuthn challenges and step-ups are dropped a day after they expire
-- (src/identity/oidc.ts, step-up.ts); these indexes keep that cheap.
create index staff_challenges_expiry on staff_challenges (expires_at);
create index staff_step_ups_expiry on staff_step_ups (expires_at);
create index identity_oidc_flows_expiry on identity_oidc_flows (expires_at);
