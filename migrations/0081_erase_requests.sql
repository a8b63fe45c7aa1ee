-- Two-person erasure through the API (issue 19), owner: access. A security staff member asks to
-- erase a customer with a reason; a second, different security staff member approves (the erase
-- and its customer_erase record then happen in that transaction) or denies.
create table erase_requests (
  id           text primary key,
  customer_id  text not null references customers (id),
  requested_by text not null references agents (id),
  reason       text not null,
  status       text not null check (status in ('pending', 'approved', 'denied')),
  decided_by   text references agents (id),
  decided_at   timestamptz,
  created_at   timestamptz not null
);
create index erase_requests_pending on erase_requests (status, created_at);
