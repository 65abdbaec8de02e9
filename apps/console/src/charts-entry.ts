/**
 * The console's second script, loaded on demand (a run's report, a comparison): the report page
 * code and the chart library, kept out of the first script so the run list appears sooner.
 */
import { createChart, LineSeries } from 'lightweight-charts';
import { renderReport } from '@coinhts/report/page';

/** What this script provides to the console's first script. */
export interface ConsoleCharts {
  readonly renderReport: typeof renderReport;
  readonly createChart: typeof createChart;
  readonly LineSeries: typeof LineSeries;
}

(window as unknown as { coinhtsCharts: ConsoleCharts }).coinhtsCharts = { renderReport, createChart, LineSeries };
