// What the web console uses from the report page code without the chart library (so its first
// script stays small): DOM helpers, the sortable table and the formatting module.
export { h, section } from './dom';
export { sortableTable } from './sortable-table';
export * from '../format';
export type { ReportData } from '../report-data';
export type { ReportView } from './report-page';
