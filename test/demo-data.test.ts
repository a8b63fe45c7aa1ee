// The demo exchange is deterministic and every generated value is a valid field value.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFieldValue } from '../src/fields/value-schemas.js';
import { isFieldName } from '../src/fields/catalog-types.js';
import { demoCustomer, demoStaff, demoTickets } from '../src/sim/demo-data.js';

const now = new Date(Date.UTC(2026, 0, 5, 9));

describe('demo exchange', () => {
  it('generates the same customers for the same seed and index', () => {
    assert.deepEqual(demoCustomer(42, 17, now), demoCustomer(42, 17, now));
    assert.notDeepEqual(demoCustomer(42, 17, now).fields, demoCustomer(43, 17, now).fields);
  });

  it('generates only values the field catalog accepts, with unique account ids', () => {
    const accounts = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const c = demoCustomer(42, i, now);
      accounts.add(c.accountId);
      for (const [f, v] of Object.entries(c.fields)) {
        assert.ok(isFieldName(f), f);
        assert.doesNotThrow(() => parseFieldValue(f, v), `${c.id}.${f}`);
      }
    }
    assert.equal(accounts.size, 3000);
  });

  it('has log-normal balances with a few whales, and tickets routed to agents covering the customer', () => {
    const customers = Array.from({ length: 2000 }, (_, i) => demoCustomer(42, i, now));
    const balances = customers.map((c) => c.fields.totalBalance as number).sort((a, b) => a - b);
    const median = balances[1000] as number;
    assert.ok(median > 200 && median < 10_000, `median ${median}`);
    assert.ok((balances.at(-1) as number) > 100 * median);
    const staff = demoStaff(42, 40);
    const tickets = demoTickets(42, 300, customers, staff, now);
    for (const t of tickets) {
      const agent = staff.find((s) => s.id === t.assigneeId);
      const customer = customers.find((c) => c.id === t.customerId);
      assert.ok(agent && customer && agent.regions.includes(customer.jurisdiction));
    }
  });
});

describe('demo customers at scale (perf)', () => {
  it('a customer is the same whatever was generated before it (shared, reseeded Faker instances)', async () => {
    const { demoCustomer } = await import('../src/sim/demo-data.js');
    const now = new Date(Date.UTC(2026, 0, 5));
    const first = demoCustomer(9, 123, now);
    for (let i = 0; i < 50; i++) demoCustomer(3, i, now);
    assert.deepEqual(demoCustomer(9, 123, now), first);
  });
});
