// oidc-provider ships no type declarations; the tests use a small part of it.
declare module 'oidc-provider' {
  const Provider: new (issuer: string, config: Record<string, unknown>) => { callback(): (req: unknown, res: unknown) => Promise<void> | void };
  export default Provider;
}
