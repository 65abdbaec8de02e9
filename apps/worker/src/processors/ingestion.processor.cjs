// Source-mode entry: the BullMQ sandbox loads processors with import(); this lets it run the
// TypeScript source through @swc-node/register (passed in the sandbox's execArgv).
module.exports = require('./ingestion.processor.ts');
