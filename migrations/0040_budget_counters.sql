-- perf (issue 13): the guard's budget counters as one row per agent, read under a row lock and
-- written back in the request's own transaction, instead of counting touch and event rows per
-- request. `touches` maps customer id → last touch (epoch ms) inside the shift window;
-- `lookups` and `reveals` hold the epoch-ms times of counted actions inside their windows.
-- Entries outside every window are dropped on each write, so a row stays as small as the
-- agent's budgets. docs/design/detect.md "Budgets".
create table detect_budget_counters (
  agent_id   text primary key references agents (id),
  touches    jsonb not null default '{}'::jsonb,
  lookups    jsonb not null default '[]'::jsonb,
  reveals    jsonb not null default '[]'::jsonb
);

-- Carry over what the old per-row counters held.
insert into detect_budget_counters (agent_id, touches, lookups, reveals)
select a.agent_id,
  coalesce((select jsonb_object_agg(t.customer_id, floor(extract(epoch from t.last_at) * 1000)::bigint)
              from detect_budget_touches t where t.agent_id = a.agent_id), '{}'::jsonb),
  coalesce((select jsonb_agg(floor(extract(epoch from e.at) * 1000)::bigint order by e.at)
              from detect_budget_events e where e.agent_id = a.agent_id and e.kind = 'lookup'), '[]'::jsonb),
  coalesce((select jsonb_agg(floor(extract(epoch from e.at) * 1000)::bigint order by e.at)
              from detect_budget_events e where e.agent_id = a.agent_id and e.kind = 'reveal'), '[]'::jsonb)
from (select agent_id from detect_budget_touches union select agent_id from detect_budget_events) a;
