// One unit of a group-commit flush (group-commit.ts): its own Kysely handle on the flush's
// transaction that opens the unit's SAVEPOINT lazily, just before the unit's first statement,
// and takes the unit's audit records for the flush's one multi-row INSERT (append.ts
// deferAppends). A unit that runs no statement of its own — a request whose only write is its
// record — so costs the flush no round trip at all. Built on Kysely's public seams
// (QueryExecutor.withConnectionProvider, the Transaction constructor); the handle refuses to
// start transactions or to run after its unit ended.
import { CompiledQuery, Transaction, type ConnectionProvider, type DatabaseConnection, type Driver, type Dialect, type Kysely, type KyselyConfig } from 'kysely';
import { deferAppends } from './append.js';

/** What a unit did on the flush's transaction. */
export class UnitScope {
  /** The unit's SAVEPOINT, once its first statement made one. */
  savepoint: string | undefined;
  /** Canonical texts of the records the unit appended (inserted by the flush unless the unit
   *  is rolled back). */
  readonly records: string[] = [];
  /** Set when the unit's function returned or threw: the handle then refuses every use. */
  ended = false;
}

const refuse = (): never => {
  throw new Error('a group-commit unit runs inside the flush transaction: it cannot open connections or transactions');
};
/** Stand-ins the Transaction constructor wants; a unit handle (and the flush's lazily begun
 *  transaction) never uses them (Transaction itself refuses transaction(), connection() and
 *  destroy()). */
export const NO_DRIVER = new Proxy({}, { get: () => refuse }) as unknown as Driver;
export const NO_DIALECT = new Proxy({}, { get: () => refuse }) as unknown as Dialect;
export const NO_CONFIG = Object.freeze({}) as unknown as KyselyConfig;

/** Issues the unit's SAVEPOINT (named by `name()`) on the flush connection before the unit's
 *  first statement; statements run one at a time on that connection (Kysely serializes them). */
class LazySavepointProvider implements ConnectionProvider {
  readonly #flush: ConnectionProvider;
  readonly #scope: UnitScope;
  readonly #name: () => string;

  constructor(flush: ConnectionProvider, scope: UnitScope, name: () => string) {
    this.#flush = flush;
    this.#scope = scope;
    this.#name = name;
  }

  provideConnection<T>(consumer: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    const scope = this.#scope;
    if (scope.ended) return Promise.reject(new Error('a group-commit unit used its transaction after it ended'));
    return this.#flush.provideConnection(async (connection) => {
      if (scope.savepoint === undefined) {
        const sp = this.#name();
        await connection.executeQuery(CompiledQuery.raw(`savepoint ${sp}`));
        scope.savepoint = sp;
      }
      return consumer(connection);
    });
  }
}

/** A handle for one unit on `trx` (the flush's transaction) recording into `scope`; `name()`
 *  gives the next savepoint name of the flush. */
export function unitHandle(trx: Kysely<any>, scope: UnitScope, name: () => string): Transaction<any> {
  const flush = trx.getExecutor();
  const executor = flush.withConnectionProvider(new LazySavepointProvider(flush, scope, name));
  const handle = new Transaction<any>({ config: NO_CONFIG, driver: NO_DRIVER, dialect: NO_DIALECT, executor });
  deferAppends(handle, (text) => {
    if (scope.ended) throw new Error('a group-commit unit appended after it ended');
    scope.records.push(text);
  });
  return handle;
}
