/**
 * `alerts-test`: the jobs library's alert check (the same code as `coinhts alerts test`).
 */
export { channelsFor, sendTestAlerts, testMessage, type ChannelResult } from '@coinhts/jobs';
