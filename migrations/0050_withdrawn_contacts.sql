-- Issue 14 item 1: when an agent is suspended or contained, the support contacts they held are
-- withdrawn. Each open ticket gets a new contact code (and a teammate, or none), and the
-- customer's portal keeps saying that the earlier contact — that pseudonym and that code — is
-- no longer from support. Contact codes are not secrets (the portal shows them anyway).
create table withdrawn_contacts (
  id           bigserial primary key,
  ticket_id    text not null references tickets (id),
  customer_id  text not null references customers (id),
  agent_id     text not null references agents (id),
  contact_code text,
  reason       text not null,
  reassigned_to text references agents (id),
  withdrawn_at timestamptz not null
);
create index withdrawn_contacts_customer on withdrawn_contacts (customer_id, withdrawn_at);
