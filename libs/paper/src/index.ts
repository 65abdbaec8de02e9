/**
 * @coinhts/paper — live paper trading on Upbit (application layer): session requests validated
 * with the engine's option schema, sessions that run every closed candle through the strategy's
 * streaming form and the engine's own per-bar simulation, a runner that owns sessions through a
 * PostgreSQL lease and resumes them after a crash, and the use cases behind the CLI and the API.
 * @packageDocumentation
 */
export * from './session-request';
export * from './paper-session';
export * from './paper-runner';
export * from './paper-service';
