/**
 * @coinhts/report — how runs are shown: one formatting module (percent, KRW, ratios, durations,
 * dates), the stats rows shared by the CLI and the report, and the self-contained HTML report.
 * Domain code only: no I/O (the browser page code is bundled into a string at build time).
 * @packageDocumentation
 */
export * from './format';
export * from './stats-rows';
export * from './downsample';
export * from './histogram';
export * from './heatmap';
export * from './report-data';
export * from './render-html';
