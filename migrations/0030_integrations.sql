-- Integrations (issue 12): customer records from the exchange (import files and the service
-- API, keyed by the exchange's own externalId), helpdesk ticket links and webhook replay
-- protection, and one durable delivery cursor per SIEM sink.

-- The exchange's id of a customer, and the import (and line) that last wrote the row, which
-- tells a duplicate id within one file from a resumed import without keeping ids in memory.
alter table customers add column external_id text;
create unique index customers_external_id on customers (external_id) where external_id is not null;
alter table customers add column import_id text;
alter table customers add column import_line bigint;

-- One import of one file (identified by the SHA-256 of its bytes): the last line committed,
-- so a crashed import resumes after it.
create table customer_imports (
  id          text primary key,
  file_name   text not null,
  format      text not null check (format in ('ndjson', 'csv')),
  line        bigint not null default 0,
  created     bigint not null default 0,
  updated     bigint not null default 0,
  rejected    bigint not null default 0,
  started_at  timestamptz not null,
  updated_at  timestamptz not null,
  finished_at timestamptz
);

-- Bad rows of an import: line number and reason, never the row's values.
create table customer_import_rejects (
  import_id   text not null references customer_imports (id),
  line        bigint not null,
  external_id text,
  reason      text not null,
  primary key (import_id, line)
);

-- A helpdesk ticket and the Keyhole ticket it opened.
create table helpdesk_tickets (
  source      text not null,
  external_id text not null,
  ticket_id   text not null references tickets (id),
  created_at  timestamptz not null,
  primary key (source, external_id)
);
create index helpdesk_tickets_ticket on helpdesk_tickets (ticket_id);

-- Webhook deliveries seen (replay protection): one row per signature within the freshness window.
create table webhook_deliveries (
  source      text not null,
  delivery    text not null,
  received_at timestamptz not null,
  primary key (source, delivery)
);
create index webhook_deliveries_age on webhook_deliveries (received_at);

-- Helpdesk events that matched no customer (counted, no ticket opened).
create table helpdesk_unmatched (
  source      text not null,
  external_id text not null,
  at          timestamptz not null,
  primary key (source, external_id)
);

-- One durable cursor per SIEM sink: the next log index to deliver, and the last detector alert
-- delivered (alerts are not on the log: ordered by creation time, then id).
create table siem_cursors (
  sink        text primary key,
  next_seq    bigint not null default 0,
  alert_at    timestamptz,
  alert_id    text,
  delivered   bigint not null default 0,
  updated_at  timestamptz not null
);
