-- The log integrator's leader lease (issue 18 part 2), owner: cluster. One row: which instance
-- leads, its fencing epoch (incremented at every change of holder or after an expiry) and when
-- the lease runs out on the database's clock. A leader renews it every round and, inside every
-- integration batch, checks and renews it with the row locked until commit, so a leader frozen
-- past `expires_at` (SIGSTOP, a long GC pause, a half-open network) can neither keep the role
-- nor commit a batch. src/audit/leader-lease.ts; docs/operations.md.
create table cluster_leader (
  id         smallint    primary key check (id = 1),
  holder     text,
  epoch      bigint      not null default 0,
  expires_at timestamptz not null default '-infinity',
  since      timestamptz
);
insert into cluster_leader (id) values (1);
