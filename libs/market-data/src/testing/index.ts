/**
 * Test fakes of `@coinhts/market-data`: local servers that speak Upbit's REST candle API and its
 * quotation WebSocket, for tests of code that talks to Upbit (never used in production code).
 * @packageDocumentation
 */
export * from './fake-upbit-rest';
export * from './fake-upbit-ws';
