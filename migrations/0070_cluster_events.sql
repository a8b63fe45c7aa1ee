-- Live events shared by every Keyhole server on one PostgreSQL (issue 18 part 1), owner:
-- cluster. Each broker event is appended here after its commit; a NOTIFY on channel
-- `keyhole_events` wakes the other servers, which read the rows after the last sequence number
-- they saw (a reader that missed a notification catches up and loses nothing). Rows are only a
-- transport: they are deleted after a few minutes. Never holds a customer value (broker events
-- do not). src/access/cluster-events.ts; docs/operations.md.
create table cluster_events (
  seq        bigserial primary key,
  origin     text        not null,
  event      jsonb       not null,
  created_at timestamptz not null default now()
);
create index cluster_events_created_at on cluster_events (created_at);
